import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApiKeySpecSchema, LocationSchema } from '@stockwire/domain';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `json`: one JSON object per line; `pretty`: coloured, human-readable lines. */
export type LogFormat = 'json' | 'pretty';

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

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Which proxies' `X-Forwarded-For` is believed, as Express's `trust proxy` takes it: `true`
 * (every hop), `false` (none: the connection's address), a number of hops, or a comma-separated
 * list of addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`.
 */
const trustProxy = z
  .string()
  .default('loopback')
  .transform((value, ctx): boolean | number | string[] => {
    if (value === 'true' || value === 'false') return value === 'true';
    if (/^\d+$/.test(value)) return Number(value);
    const list = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      proxyAddr.compile(list);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
    return list;
  });

/** `host:port` (`[v6]:port` for an IPv6 address): one node of a Redis Cluster. */
const clusterNode = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port')
  .transform((item) => {
    const at = item.lastIndexOf(':');
    return { host: item.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(item.slice(at + 1)) };
  })
  .refine((node) => node.port >= 1 && node.port <= 65535, 'port must be 1-65535');

/** The variables a store reads, each with its default. */
const EnvSchema = z.object({
  STORE_NAME: LocationSchema.default('main-store'),
  PORT: int(0, 65535, 3001),
  HOST: z.string().min(1).default('0.0.0.0'),
  INSTANCE_ID: z.string().min(1).max(128).optional(),
  SUPABASE_URL: z.url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: commaList(clusterNode),
  GAP_GRACE_MS: int(0, 10_000, 200),
  RESERVATION_TTL_SECONDS: int(1, 86_400, 600),
  RESERVATION_SWEEP_MS: int(50, 600_000, 1000),
  IDEMPOTENCY_TTL_SECONDS: int(60, 30 * 86_400, 86_400),
  ORDER_STREAMS: flag(true),
  STREAM_CLAIM_IDLE_MS: int(100, 3_600_000, 30_000),
  API_KEYS: commaList(ApiKeySpecSchema),
  READS_PUBLIC: flag(true),
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CORS_ORIGINS: commaList(z.url()),
  HTTPS_ONLY: flag(false),
  TRUST_PROXY: trustProxy,
  RATE_LIMIT_WINDOW_MS: int(100, 3_600_000, 60_000),
  RATE_LIMIT_PER_KEY: int(0, Number.MAX_SAFE_INTEGER, 6000),
  RATE_LIMIT_PER_IP: int(0, Number.MAX_SAFE_INTEGER, 12_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  DIGEST_INTERVAL_MS: int(0, 86_400_000, 30_000),
  DIGEST_SCRUB_BUCKETS: int(0, 1024, 8),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 10_000),
  DASHBOARD_API_KEY: z
    .string()
    .regex(/^\S{1,4096}$/, 'one token, without spaces')
    .optional(),
  GROUP_COMMIT_MAX: int(0, 10_000, 128),
  WEBHOOKS_DELIVER: flag(true),
  WEBHOOKS_ALLOW_PRIVATE: flag(false),
  WEBHOOKS_TIMEOUT_MS: int(100, 60_000, 10_000),
  WEBHOOKS_POLL_MS: int(10, 60_000, 1000),
  WEBHOOKS_BATCH: int(1, 500, 32),
  WEBHOOKS_PER_KEY: int(1, 1000, 20),
  WEBHOOKS_RETRY_BASE_MS: int(10, 3_600_000, 5000),
  WEBHOOKS_RETRY_MAX_MS: int(10, 86_400_000, 3_600_000),
  WEBHOOKS_RETRY_WINDOW_SECONDS: int(1, 7 * 86_400, 86_400),
  WEBHOOKS_DISABLE_AFTER_SECONDS: int(1, 30 * 86_400, 86_400),
});

type Env = z.output<typeof EnvSchema>;

/** The dashboard hands its key to every browser: never one of the admin keys configured here. */
function refuseAdminDashboardKey(env: Env, ctx: z.RefinementCtx) {
  const admin = env.API_KEYS.find((k) => k.role === 'admin' && k.secret === env.DASHBOARD_API_KEY);
  if (admin) {
    ctx.addIssue({
      code: 'custom',
      path: ['DASHBOARD_API_KEY'],
      message: `is the admin key ${admin.id}, and every browser that opens the dashboard gets it: use a staff key`,
    });
  }
}

/** The environment as the store's configuration, grouped by what each part configures. */
const configFrom = (e: Env, isTerminal: boolean) => ({
  store: {
    /** The store this instance runs as; its default stock location. */
    name: e.STORE_NAME,
    /** Unique per process, so messages can name their origin. */
    instanceId:
      e.INSTANCE_ID ?? `${e.STORE_NAME}@${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  },
  http: {
    /** HTTP port; 0 picks a free one. @default 3001 */
    port: e.PORT,
    /** @default '0.0.0.0' */
    host: e.HOST,
    /** Origins allowed to call the API from a browser; empty allows none but the store's own pages. */
    corsOrigins: e.CORS_ORIGINS,
    /**
     * The store is reached over HTTPS only (a TLS proxy in front): pages are told to load
     * everything over HTTPS (`upgrade-insecure-requests`) and browsers to keep to HTTPS (HSTS).
     * Off, the store works at any host name over plain HTTP. @default false
     */
    httpsOnly: e.HTTPS_ONLY,
    /**
     * The proxies (load balancers) whose `X-Forwarded-For` names the client: write budgets and
     * request lines count the client behind them. @default 'loopback'
     */
    trustProxy: e.TRUST_PROXY,
    /** How long a stopping instance waits for in-flight requests. @default 10000 */
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  },
  database: {
    supabaseUrl: e.SUPABASE_URL,
    serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
    /**
     * A direct connection to the same database (Supabase's "direct connection" string), to LISTEN
     * for writes made outside the stores and relay them within milliseconds. Unset, such writes
     * reach the stores at the next digest check. Any role that may connect and read
     * `inventory_events` will do.
     */
    url: e.DATABASE_URL,
    /**
     * Most stock changes (or holds) one group-committed rpc carries; 0 sends each request's
     * changes on an rpc of its own. @default 128
     */
    groupCommitMax: e.GROUP_COMMIT_MAX,
  },
  redis: {
    /**
     * One Redis node; unused when `clusterNodes` names a cluster.
     * @default 'redis://127.0.0.1:6379'
     */
    url: e.REDIS_URL,
    /**
     * Nodes of a Redis Cluster to start from (`REDIS_CLUSTER_NODES=host:port,…`): every Redis use
     * then runs on the cluster. @default [] (one node, at `url`)
     */
    clusterNodes: e.REDIS_CLUSTER_NODES,
  },
  sync: {
    /** How long a message that skipped versions waits before a refetch, in ms. @default 200 */
    gapGraceMs: e.GAP_GRACE_MS,
    /** How often the cache is checked against the database's digest, in ms; 0 is off. @default 30000 */
    digestIntervalMs: e.DIGEST_INTERVAL_MS,
    /**
     * Digest buckets (of 1024) each check reads from the tables themselves, in turn, to find writes
     * made with the database's triggers off. @default 8
     */
    digestScrubBuckets: e.DIGEST_SCRUB_BUCKETS,
  },
  checkout: {
    /** Lifetime of a hold when the request names none, in seconds. @default 600 */
    reservationTtlSeconds: e.RESERVATION_TTL_SECONDS,
    /** How often this instance releases holds whose time is up, in ms. @default 1000 */
    reservationSweepMs: e.RESERVATION_SWEEP_MS,
    /** How long an idempotency key is kept, in seconds. @default 86400 */
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
  },
  streams: {
    /** Consume the order streams (`order_validate`, `inventory_new_item`). @default true */
    enabled: e.ORDER_STREAMS,
    /** How long an entry may stay unacknowledged before another instance claims it, in ms. @default 30000 */
    claimIdleMs: e.STREAM_CLAIM_IDLE_MS,
  },
  access: {
    /** API keys from configuration (`API_KEYS=id:role:secret,…`). */
    apiKeys: e.API_KEYS,
    /** Whether reads (inventory, feeds) need no credential. @default true */
    readsPublic: e.READS_PUBLIC,
    /** The Supabase project's JWT secret, to accept Supabase Auth JWTs; unset, only API keys count. */
    jwtSecret: e.SUPABASE_JWT_SECRET,
    /** Write limits, shared by all stores through Redis; 0 turns one off. */
    rateLimits: {
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      perCredential: e.RATE_LIMIT_PER_KEY,
      perIp: e.RATE_LIMIT_PER_IP,
    },
    /** The credential the dashboard sells and restocks with (a staff key); unset, it asks. */
    dashboardApiKey: e.DASHBOARD_API_KEY,
  },
  webhooks: {
    /** Run a delivery worker in this instance (every store may: they share the outbox). @default true */
    deliver: e.WEBHOOKS_DELIVER,
    /**
     * Let endpoints point at loopback, private and link-local addresses (local receivers, tests).
     * Off, such URLs are refused when saved and connections to them when delivering. @default false
     */
    allowPrivate: e.WEBHOOKS_ALLOW_PRIVATE,
    /** The most one delivery attempt takes, connecting and answering, in ms. @default 10000 */
    timeoutMs: e.WEBHOOKS_TIMEOUT_MS,
    /** How often the outbox is looked at when nothing was due, in ms. @default 1000 */
    pollMs: e.WEBHOOKS_POLL_MS,
    /** Most keys (endpoint and product) a worker claims and sends to at once. @default 32 */
    batch: e.WEBHOOKS_BATCH,
    /** Most deliveries of one key a worker claims at once, sent one after another. @default 20 */
    perKey: e.WEBHOOKS_PER_KEY,
    /** The wait after a first failed attempt, doubling with each, in ms. @default 5000 */
    retryBaseMs: e.WEBHOOKS_RETRY_BASE_MS,
    /** The longest wait between attempts, in ms. @default 3600000 */
    retryMaxMs: e.WEBHOOKS_RETRY_MAX_MS,
    /** How long a delivery is retried before it is failed, in seconds. @default 86400 */
    retryWindowSeconds: e.WEBHOOKS_RETRY_WINDOW_SECONDS,
    /** How long an endpoint may fail without a success before it is disabled, in seconds. @default 86400 */
    disableAfterSeconds: e.WEBHOOKS_DISABLE_AFTER_SECONDS,
  },
  log: {
    /** @default 'info' */
    level: e.LOG_LEVEL,
    /** @default 'pretty' when stdout is a terminal, else 'json' */
    format: e.LOG_FORMAT ?? ((isTerminal ? 'pretty' : 'json') satisfies LogFormat),
  },
});

/** The environment in, the store's configuration out; `isTerminal` picks the log format. */
export const configSchema = (isTerminal: boolean) =>
  EnvSchema.superRefine(refuseAdminDashboardKey).transform((env) => configFrom(env, isTerminal));

/** Everything a store instance is configured with: the output of {@link configSchema}. */
export type StoreConfig = z.output<ReturnType<typeof configSchema>>;

/**
 * Parses the environment once, failing with every bad variable named. The only place that reads
 * `process.env` for the store.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  isTerminal = process.stdout.isTTY,
): StoreConfig {
  const parsed = configSchema(isTerminal).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
