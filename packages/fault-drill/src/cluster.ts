import {
  freePort,
  pingRedis,
  spawnRedis,
  startGateway,
  type RedisServer,
} from '@stockwire/local-stack';
import { StoreProcess } from './store-process.js';

/** The database the cluster's stores use, as a local stack provides it. */
export interface DatabaseAccess {
  /** PostgREST itself; the cluster serves it under `/rest/v1` through a gateway of its own. */
  postgrestUrl: string;
  serviceRoleKey: string;
  anonKey: string;
  /** The secret the keys are signed with: the cluster's gateway accepts any key signed with it. */
  jwtSecret: string;
  /** Superuser connection string, to read the truth directly. */
  databaseUrl: string;
}

export interface ClusterOptions {
  database: DatabaseAccess;
  /** Where the cluster's own Redis keeps its (empty) working directory. */
  dir: string;
  /**
   * A Redis to use instead of starting one; it must be used by nothing else, since drills stop it.
   * It is left running by `stop()`.
   */
  redis?: RedisServer;
  /** @default ['main-store', 'downtown-store', 'mall-store'] */
  stores?: string[];
  /** Extra environment for every store, e.g. `DIGEST_INTERVAL_MS`. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

/** A gateway that can be taken away and brought back on the same port. */
export interface SwitchableGateway {
  url: string;
  readonly up: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Stores as separate processes, with a Redis and a database gateway that only they use. */
export interface Cluster {
  stores: StoreProcess[];
  /** The cluster's Redis: `stop()` it for an outage (`{ kill: true }` for a crash). */
  redis: RedisServer;
  /** The cluster's gateway to PostgREST: `stop()` it and the stores lose the database. */
  gateway: SwitchableGateway;
  databaseUrl: string;
  /** The service-role key, for drills that call the database API as another service would. */
  serviceRoleKey: string;
  store(name: string): StoreProcess;
  /**
   * One more store process set up as the cluster's are, on a free port; not started, and not in
   * `stores`: the caller starts and stops it.
   */
  extraStore(name: string): Promise<StoreProcess>;
  stop(): Promise<void>;
}

/** The environment the drills give every store: quick gap repair and a frequent digest check. */
export const DRILL_ENV = {
  GAP_GRACE_MS: '100',
  DIGEST_INTERVAL_MS: '1000',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

async function switchableGateway(database: DatabaseAccess): Promise<SwitchableGateway> {
  const options = {
    port: await freePort(),
    postgrestUrl: database.postgrestUrl,
    jwtSecret: database.jwtSecret,
  };
  let gateway: Awaited<ReturnType<typeof startGateway>> | null = await startGateway(options);
  return {
    url: `http://127.0.0.1:${options.port}`,
    get up() {
      return gateway !== null;
    },
    async stop() {
      await gateway?.stop();
      gateway = null;
    },
    async start() {
      gateway ??= await startGateway(options);
    },
  };
}

/**
 * Starts a Redis of its own, a database gateway of its own, and one process per store, and waits
 * until every store is ready.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const redis = options.redis ?? (await spawnRedis(options.dir));
  const stopRedis = async () => {
    // A lent Redis is given back as it came: running.
    if (!options.redis) await redis.stop();
    else if (!(await pingRedis(redis.url))) await redis.start();
  };
  const gateway = await switchableGateway(options.database).catch(async (error: unknown) => {
    await stopRedis();
    throw error;
  });
  const names = options.stores ?? ['main-store', 'downtown-store', 'mall-store'];
  const storeProcess = async (name: string) =>
    new StoreProcess({
      name,
      port: await freePort(),
      env: {
        ...DRILL_ENV,
        ...options.env,
        SUPABASE_URL: gateway.url,
        SUPABASE_SERVICE_ROLE_KEY: options.database.serviceRoleKey,
        REDIS_URL: redis.url,
        // Listening for writes made outside the stores, as npm start runs them.
        DATABASE_URL: options.database.databaseUrl,
      },
      log: options.log && ((line) => options.log!(line)),
    });
  const stores: StoreProcess[] = [];
  for (const name of names) stores.push(await storeProcess(name));
  const stop = async () => {
    await Promise.allSettled(stores.map((s) => s.stop()));
    await gateway.stop();
    await stopRedis();
  };
  try {
    await Promise.all(stores.map((s) => s.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    stores,
    redis,
    gateway,
    databaseUrl: options.database.databaseUrl,
    serviceRoleKey: options.database.serviceRoleKey,
    store: (name) => {
      const found = stores.find((s) => s.name === name);
      if (!found) throw new Error(`no store named ${name}`);
      return found;
    },
    extraStore: storeProcess,
    stop,
  };
}
