import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LocationSchema } from '@stockwire/domain';
import { z } from 'zod';

/** Everything a store instance is configured with. */
export interface StoreConfig {
  /** The store this instance runs as; its default stock location. */
  storeName: string;
  /** HTTP port; 0 picks a free one. */
  port: number;
  host: string;
  /** Unique per process, so messages can name their origin. */
  instanceId: string;
  supabaseUrl: string;
  supabaseServiceRoleKey: string;
  redisUrl: string;
  /**
   * How long a message that skipped versions waits for the missing ones before the product is
   * refetched from the database, in milliseconds.
   * @default 200
   */
  gapGraceMs: number;
  /**
   * Lifetime of a hold when the request names none, in seconds.
   * @default 600
   */
  reservationTtlSeconds: number;
  /**
   * How often this instance releases holds whose time is up, in milliseconds.
   * @default 1000
   */
  reservationSweepMs: number;
  /**
   * How long an idempotency key is kept, in seconds.
   * @default 86400
   */
  idempotencyTtlSeconds: number;
  /**
   * Consume the order streams (`order_validate`, `inventory_new_item`).
   * @default true
   */
  orderStreams: boolean;
  /**
   * How long a stream entry may stay unacknowledged with a consumer before another instance
   * claims it, in milliseconds.
   * @default 30000
   */
  streamClaimIdleMs: number;
  /**
   * Most stock changes (or holds) one group-committed rpc carries; 0 sends each request's changes
   * on an rpc of its own. Past a hundred or so changes a call costs more per change, not less.
   * @default 128
   */
  groupCommitMax: number;
}

const EnvSchema = z.object({
  STORE_NAME: LocationSchema.default('main-store'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().min(1).default('0.0.0.0'),
  INSTANCE_ID: z.string().min(1).max(128).optional(),
  SUPABASE_URL: z.url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  GAP_GRACE_MS: z.coerce.number().int().min(0).max(10_000).default(200),
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  RESERVATION_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  ORDER_STREAMS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  STREAM_CLAIM_IDLE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  GROUP_COMMIT_MAX: z.coerce.number().int().min(0).max(10_000).default(128),
});

/**
 * Parses the environment once, failing with every bad variable named. The only place that reads
 * `process.env` for the store.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    storeName: e.STORE_NAME,
    port: e.PORT,
    host: e.HOST,
    instanceId:
      e.INSTANCE_ID ?? `${e.STORE_NAME}@${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    supabaseUrl: e.SUPABASE_URL,
    supabaseServiceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
    redisUrl: e.REDIS_URL,
    gapGraceMs: e.GAP_GRACE_MS,
    reservationTtlSeconds: e.RESERVATION_TTL_SECONDS,
    reservationSweepMs: e.RESERVATION_SWEEP_MS,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
    orderStreams: e.ORDER_STREAMS,
    streamClaimIdleMs: e.STREAM_CLAIM_IDLE_MS,
    groupCommitMax: e.GROUP_COMMIT_MAX,
  };
}
