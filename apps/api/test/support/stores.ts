import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { startStore, type StoreInstance } from '../../src/app.js';
import type { StoreConfig } from '../../src/env.js';
import type { Logger, PinoLogger } from '../../src/telemetry/logger.js';
import { withDb } from './database.js';
import { KEYS } from './http.js';
import { stack } from './stack.js';

/** Settings a test changes, group by group. */
export type ConfigOverrides = { [G in keyof StoreConfig]?: Partial<StoreConfig[G]> };

/** Where a store started by the tests logs: it is given the store's configuration. */
export type LoggerFor = (config: StoreConfig) => Logger | PinoLogger;

const quiet: Logger = () => {};

/** A store's configuration against the suite's stack, as the tests run stores. */
export function testConfig(storeName: string, overrides: ConfigOverrides = {}): StoreConfig {
  const { supabaseUrl, serviceRoleKey, databaseUrl, redisUrl, jwtSecret } = stack();
  const base: StoreConfig = {
    store: { name: storeName, instanceId: `${storeName}-${randomUUID().slice(0, 8)}` },
    http: {
      port: 0,
      host: '127.0.0.1',
      corsOrigins: [],
      httpsOnly: false,
      trustProxy: ['loopback'],
      shutdownTimeoutMs: 10_000,
    },
    // As npm start runs them: listening to the database for writes made outside the stores.
    database: { supabaseUrl, serviceRoleKey, url: databaseUrl, groupCommitMax: 128 },
    redis: { url: redisUrl, clusterNodes: [] },
    sync: { gapGraceMs: 100, digestIntervalMs: 30_000, digestScrubBuckets: 8 },
    checkout: { reservationTtlSeconds: 600, reservationSweepMs: 200, idempotencyTtlSeconds: 3600 },
    streams: { enabled: false, claimIdleMs: 30_000 },
    access: {
      apiKeys: [
        { id: 'test-admin', role: 'admin', secret: KEYS.admin },
        { id: 'test-staff', role: 'staff', secret: KEYS.staff },
      ],
      readsPublic: true,
      jwtSecret,
      rateLimits: { windowMs: 60_000, perCredential: 0, perIp: 0 },
      dashboardApiKey: undefined,
    },
    // The webhook tests run workers of their own; the others' stores would only poll an empty outbox.
    webhooks: {
      deliver: false,
      allowPrivate: true,
      timeoutMs: 2000,
      pollMs: 50,
      batch: 32,
      perKey: 20,
      retryBaseMs: 100,
      retryMaxMs: 1000,
      retryWindowSeconds: 3600,
      disableAfterSeconds: 86_400,
    },
    log: { level: 'info', format: 'json' },
  };
  const merged = Object.entries(base).map(([group, values]) => [
    group,
    { ...values, ...overrides[group as keyof StoreConfig] },
  ]);
  return Object.fromEntries(merged) as StoreConfig;
}

/**
 * Makes sure each named location exists (as a store, active), as a chain's admin would before
 * opening a store there: a store does not start without its own location.
 */
export async function ensureLocations(names: readonly string[]): Promise<void> {
  await withDb((db) =>
    db.query(
      `insert into public.locations (id, name) select n, n from unnest($1::text[]) n
       on conflict (id) do nothing`,
      [names],
    ),
  );
}

/**
 * Starts store instances in this process, against the suite's stack, each at a location of its
 * own ({@link ensureLocations}).
 * @param logger where each store logs; @default nowhere
 */
export async function startStores(
  names: readonly string[],
  overrides: ConfigOverrides = {},
  logger: LoggerFor = () => quiet,
): Promise<StoreInstance[]> {
  await ensureLocations(names);
  return Promise.all(
    names.map((name) => {
      const config = testConfig(name, overrides);
      return startStore(config, logger(config));
    }),
  );
}

/**
 * Starts the named stores before the tests of the enclosing file or `describe` block, and closes
 * them after. Returns an accessor for the running stores, in the order named, to call from tests
 * and hooks (not before `beforeAll` has run).
 */
export function useStores<const Names extends readonly string[]>(
  names: Names,
  overrides: ConfigOverrides = {},
  logger?: LoggerFor,
): () => { readonly [K in keyof Names]: StoreInstance } {
  let running: StoreInstance[] | undefined;
  beforeAll(async () => {
    running = await startStores(names, overrides, logger);
  });
  afterAll(async () => {
    await Promise.all((running ?? []).map((s) => s.close()));
    running = undefined;
  });
  return () => {
    if (!running) throw new Error(`stores ${names.join(', ')} are not running`);
    return running as unknown as { readonly [K in keyof Names]: StoreInstance };
  };
}

/** A store's Express adapter served on a port of its own. */
export interface ExpressServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The store's routes and pages on its Express adapter, served on a port of their own: the same
 * pipeline as the store's node:http server, for tests that compare the two.
 */
export async function serveOnExpress(store: StoreInstance): Promise<ExpressServer> {
  const server = createServer(store.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serves `store()` on Express (see {@link serveOnExpress}) from `beforeAll` to `afterAll`; call it
 * after the `useStores` that starts the store, so that it starts after and closes before it.
 */
export function useExpress(store: () => StoreInstance): () => ExpressServer {
  let server: ExpressServer | undefined;
  beforeAll(async () => {
    server = await serveOnExpress(store());
  });
  afterAll(async () => {
    await server?.close();
    server = undefined;
  });
  return () => {
    if (!server) throw new Error('the Express adapter is not being served');
    return server;
  };
}
