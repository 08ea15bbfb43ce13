import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApiKeySpecSchema, LocationSchema, type ApiKeySpec } from '@stockwire/domain';
import { z } from 'zod';
import type { LogFormat } from './telemetry/logger.js';

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
  /** API keys from configuration (`API_KEYS=id:role:secret,…`). */
  apiKeys: ApiKeySpec[];
  /**
   * Whether reads (inventory, feeds) need no credential.
   * @default true
   */
  readsPublic: boolean;
  /** The Supabase project's JWT secret, to accept Supabase Auth JWTs; unset, only API keys count. */
  jwtSecret: string | undefined;
  /** Origins allowed to call the API from a browser; empty allows none but the store's own pages. */
  corsOrigins: string[];
  /** Write limits, shared by all stores through Redis. */
  rateLimits: { windowMs: number; perCredential: number; perIp: number };
  /** @default 'info' */
  logLevel?: LogLevel;
  /** @default 'pretty' when stdout is a terminal, else 'json' */
  logFormat?: LogFormat;
  /**
   * How often the cache is checked against a digest of the database (anti-entropy), in
   * milliseconds; 0 turns the check off.
   * @default 30000
   */
  digestIntervalMs?: number;
  /**
   * How long a stopping instance waits for in-flight requests before it closes them anyway.
   * @default 10000
   */
  shutdownTimeoutMs?: number;
  /**
   * The credential the dashboard at `/` sells and restocks with. Every browser that opens the
   * page receives it, so it should be a staff key. Unset, the dashboard asks its user for a key.
   */
  dashboardApiKey?: string | undefined;
  /**
   * Most stock changes (or holds) one group-committed rpc carries; 0 sends each request's changes
   * on an rpc of its own. Past a hundred or so changes a call costs more per change, not less.
   * @default 128
   */
  groupCommitMax?: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A comma-separated list of values, each checked by `item`; empty when unset. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/** `true` or `false`. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

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
  ORDER_STREAMS: flag(true),
  STREAM_CLAIM_IDLE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  API_KEYS: commaList(ApiKeySpecSchema),
  READS_PUBLIC: flag(true),
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CORS_ORIGINS: commaList(z.url()),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).default(6000),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(12_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  DIGEST_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  DASHBOARD_API_KEY: z
    .string()
    .regex(/^\S{1,4096}$/, 'one token, without spaces')
    .optional(),
  GROUP_COMMIT_MAX: z.coerce.number().int().min(0).max(10_000).default(128),
});

/** The dashboard hands its key to every browser: never one of the admin keys configured here. */
const StoreEnvSchema = EnvSchema.superRefine((env, ctx) => {
  const admin = env.API_KEYS.find((k) => k.role === 'admin' && k.secret === env.DASHBOARD_API_KEY);
  if (admin) {
    ctx.addIssue({
      code: 'custom',
      path: ['DASHBOARD_API_KEY'],
      message: `is the admin key ${admin.id}, and every browser that opens the dashboard gets it: use a staff key`,
    });
  }
});

/**
 * Parses the environment once, failing with every bad variable named. The only place that reads
 * `process.env` for the store.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  isTerminal = process.stdout.isTTY,
): StoreConfig {
  const parsed = StoreEnvSchema.safeParse(env);
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
    apiKeys: e.API_KEYS,
    readsPublic: e.READS_PUBLIC,
    jwtSecret: e.SUPABASE_JWT_SECRET,
    corsOrigins: e.CORS_ORIGINS,
    rateLimits: {
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      perCredential: e.RATE_LIMIT_PER_KEY,
      perIp: e.RATE_LIMIT_PER_IP,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (isTerminal ? 'pretty' : 'json'),
    digestIntervalMs: e.DIGEST_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    dashboardApiKey: e.DASHBOARD_API_KEY,
    groupCommitMax: e.GROUP_COMMIT_MAX,
  };
}
