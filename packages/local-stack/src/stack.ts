import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type Gateway } from './gateway.js';
import { supabaseKeys } from './jwt.js';
import { migrate, type MigrationResult } from './migrate.js';
import {
  ensureDatabase,
  startEmbeddedPostgres,
  withDatabase,
  type PostgresServer,
} from './postgres.js';
import { startPostgrest, type PostgrestServer } from './postgrest.js';
import { freePort } from './ports.js';
import { findOrStartRedis, type RedisServer } from './redis.js';
import { ensureSupabaseRoles } from './roles.js';
import { loadOrCreateSecrets } from './secrets.js';

/** The repository root (this package lives in packages/local-stack/src). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface LocalStackOptions {
  /**
   * Where the stack keeps its data and secrets.
   * @default `<project>/.data/local`
   */
  dataDir?: string;
  /** An existing Postgres (superuser URL) to use instead of starting one. */
  databaseUrl?: string;
  /** @default 'stockwire' */
  database?: string;
  /** Drop and recreate the database first (tests). @default false */
  fresh?: boolean;
  /** Ports; omitted ones are picked free. */
  ports?: { postgres?: number; postgrest?: number; gateway?: number; redis?: number };
  /** A Redis to use; otherwise one is found or started (see `findOrStartRedis`). */
  redisUrl?: string;
  /** Start a Redis of our own even when 127.0.0.1:6379 answers. @default false */
  ownRedis?: boolean;
  /** @default the project's `supabase/` folder */
  supabaseDir?: string;
  log?: (line: string) => void;
}

/** A running Supabase-compatible stack plus Redis: what a store instance needs to start. */
export interface LocalStack {
  /** Supabase project URL: PostgREST under `/rest/v1`. */
  supabaseUrl: string;
  /** PostgREST itself, behind the gateway (fault drills put a gateway of their own in front). */
  postgrestUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  /** API keys for local development: `admin` and `staff`. */
  devKeys: { admin: string; staff: string };
  /** Superuser connection string of the stack's database (for tests and benchmarks). */
  databaseUrl: string;
  redisUrl: string;
  /** The Redis this stack started, if it started one (tests stop and start it). */
  redis: RedisServer | null;
  /** The gateway, which tests stop and start to take the database API away. */
  gateway: { stop(): Promise<void>; start(): Promise<void> };
  migrations: MigrationResult;
  stop(): Promise<void>;
}

/**
 * Starts Postgres (embedded, unless `databaseUrl`), applies migrations and seed, starts PostgREST
 * behind a `/rest/v1` gateway with freshly signed anon/service-role keys, and finds or starts Redis.
 * Whatever it started, `stop()` stops, in reverse order.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const database = options.database ?? 'stockwire';
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((e: unknown) => log(String(e)));
    stops.length = 0;
  };

  try {
    const secrets = await loadOrCreateSecrets(dataDir);
    let adminUrl = options.databaseUrl;
    if (!adminUrl) {
      const pg: PostgresServer = await startEmbeddedPostgres({
        dir: join(dataDir, 'postgres'),
        port: options.ports?.postgres ?? (await freePort()),
        password: secrets.postgresPassword,
        log,
      });
      stops.push(() => pg.stop());
      adminUrl = pg.adminUrl;
    }
    await ensureDatabase(adminUrl, database, options.fresh ?? false);
    const databaseUrl = withDatabase(adminUrl, database);
    await ensureSupabaseRoles(databaseUrl, secrets.authenticatorPassword);
    const migrations = await migrate(
      databaseUrl,
      options.supabaseDir ?? join(PROJECT_ROOT, 'supabase'),
    );

    const authenticatorUrl = new URL(databaseUrl);
    authenticatorUrl.username = 'authenticator';
    authenticatorUrl.password = secrets.authenticatorPassword;
    const postgrest: PostgrestServer = await startPostgrest({
      databaseUrl: authenticatorUrl.toString(),
      jwtSecret: secrets.jwtSecret,
      port: options.ports?.postgrest ?? (await freePort()),
      log,
    });
    stops.push(() => postgrest.stop());

    const keys = supabaseKeys(secrets.jwtSecret);
    const gatewayPort = options.ports?.gateway ?? (await freePort());
    const gatewayOptions = {
      port: gatewayPort,
      postgrestUrl: postgrest.url,
      jwtSecret: secrets.jwtSecret,
    };
    let gateway: Gateway | null = await startGateway(gatewayOptions);
    stops.push(async () => {
      await gateway?.stop();
      gateway = null;
    });

    const redis = await findOrStartRedis({
      url: options.redisUrl,
      dir: join(dataDir, 'redis'),
      port: options.ports?.redis,
      preferOwn: options.ownRedis,
    });
    if (redis.server) {
      const server = redis.server;
      stops.push(() => server.stop());
    }

    return {
      supabaseUrl: `http://127.0.0.1:${gatewayPort}`,
      postgrestUrl: postgrest.url,
      ...keys,
      jwtSecret: secrets.jwtSecret,
      devKeys: { admin: secrets.devAdminKey, staff: secrets.devStaffKey },
      databaseUrl,
      redisUrl: redis.url,
      redis: redis.server,
      gateway: {
        stop: async () => {
          await gateway?.stop();
          gateway = null;
        },
        start: async () => {
          gateway ??= await startGateway(gatewayOptions);
        },
      },
      migrations,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What `npm start` records about its running stack, so `npm run store` can join it. */
export interface StackFile {
  supabaseUrl: string;
  serviceRoleKey: string;
  anonKey: string;
  redisUrl: string;
  /** What the stores were given: API_KEYS and SUPABASE_JWT_SECRET. */
  apiKeys: string;
  jwtSecret: string | null;
  /** The keys to use with them (local development). */
  devKeys: { admin: string; staff: string } | null;
  /** What the stores were given as DATABASE_URL, to listen for writes made outside them. */
  databaseUrl: string | null;
  pid: number;
}

/** The default data directory of `npm start`. */
export const DEFAULT_DATA_DIR = join(PROJECT_ROOT, '.data', 'local');

const stackFile = (dataDir: string) => join(resolve(dataDir), 'stack.json');

export async function writeStackFile(dataDir: string, info: StackFile): Promise<void> {
  await mkdir(resolve(dataDir), { recursive: true });
  await writeFile(stackFile(dataDir), JSON.stringify(info, null, 2), { mode: 0o600 });
}

export async function removeStackFile(dataDir: string): Promise<void> {
  await rm(stackFile(dataDir), { force: true });
}

/** The running stack `npm start` recorded in `dataDir`, or null if none is running. */
export async function readStackFile(dataDir: string): Promise<StackFile | null> {
  try {
    const info = JSON.parse(await readFile(stackFile(dataDir), 'utf8')) as StackFile;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}
