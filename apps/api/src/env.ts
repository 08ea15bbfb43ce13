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
  DIGEST_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
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
    digestIntervalMs: e.DIGEST_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
