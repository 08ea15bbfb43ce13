import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreProcess } from '@stockwire/fault-drill';
import { freePort, PROJECT_ROOT, startLocalStack, type LocalStack } from '@stockwire/local-stack';
import pg from 'pg';
import { AcceptedTally } from '../lib/accepted.js';
import type { Cleanups } from '../lib/cleanups.js';
import { Meter } from '../lib/meter.js';
import { forkLoadWorker, type LoadWorker } from '../lib/processes.js';
import type { BenchReport, Figure } from '../lib/report.js';
import type { StoreTarget } from '../load/protocol.js';
import type { Size } from './sizes.js';

export const STORE_NAMES = ['main-store', 'downtown-store', 'mall-store'];
export const INITIAL_STOCK = 1_000_000;
export const HOT_PRODUCT = 'BENCH-HOT';
/** Every product the bench makes has an id starting so; the seed's do not. */
export const BENCH_PREFIX = 'BENCH-';
export const DATA_DIR = join(PROJECT_ROOT, '.data', 'bench');

export const say = (line: string) => console.log(`[bench] ${line}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a phase adds to the report. */
export interface PhaseResult {
  figures: Figure[];
  checks: BenchReport['checks'];
}

/** Everything the phases share: the processes under test, the meter, the accepted changes. */
export interface BenchContext {
  quick: boolean;
  size: Size;
  /** The API key the bench writes with, made for this run only. */
  key: string;
  stack: LocalStack;
  /** main-store, downtown-store and mall-store, in that order. */
  stores: [StoreProcess, StoreProcess, StoreProcess];
  targets: StoreTarget[];
  worker: LoadWorker;
  /** A connection of the bench's own to the database, for its checks. */
  db: pg.Client;
  /** The bench products (the hot one aside), made by the catalogue step. */
  products: string[];
  meter: Meter;
  accepted: AcceptedTally;
  cleanups: Cleanups;
  /** A figure's target: judged on full runs only, as a quick run is a smoke test, scaled down. */
  target: (text: string, met: boolean, value?: number) => Figure['target'];
}

export interface BenchOptions {
  quick: boolean;
  /** Stores write V8 CPU profiles into .data/bench/profiles. */
  profile: boolean;
  size: Size;
  cleanups: Cleanups;
}

/** Starts the local stack, three stores and the load generator; `cleanups` stops them. */
export async function startBench({
  quick,
  profile,
  size,
  cleanups,
}: BenchOptions): Promise<BenchContext> {
  await mkdir(join(DATA_DIR, 'logs'), { recursive: true });
  const profileDir = join(DATA_DIR, 'profiles');
  if (profile) {
    await rm(profileDir, { recursive: true, force: true });
    await mkdir(profileDir, { recursive: true });
  }
  say('starting the local stack (Postgres, PostgREST, gateway, Redis)…');
  const stack = await startLocalStack({
    dataDir: DATA_DIR,
    database: 'stockwire_bench',
    fresh: true,
    ownRedis: true,
  });
  cleanups.add(() => stack.stop());

  say('starting three stores and the load generator…');
  const key = `bench-${randomBytes(24).toString('hex')}`;
  const stores = await Promise.all(
    STORE_NAMES.map(
      async (name) =>
        new StoreProcess({
          name,
          port: await freePort(),
          env: {
            SUPABASE_URL: stack.supabaseUrl,
            SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
            REDIS_URL: stack.redisUrl,
            // Listening for writes made outside the stores, as npm start runs them.
            DATABASE_URL: stack.databaseUrl,
            API_KEYS: `bench:admin:${key}`,
            // One client from one address writes thousands a second: a trusted internal client.
            RATE_LIMIT_PER_KEY: '0',
            RATE_LIMIT_PER_IP: '0',
            LOG_FORMAT: 'json',
          },
          logFile: join(DATA_DIR, 'logs', `${name}.log`),
          nodeFlags: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        }),
    ),
  );
  cleanups.add(() => Promise.all(stores.map((s) => s.stop())));
  await Promise.all(stores.map((s) => s.start()));
  const worker = forkLoadWorker();
  cleanups.add(() => worker.stop());
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  cleanups.add(() => db.end());

  const meter = new Meter(size.rounds, say);
  meter.name(worker.pid, 'load');
  for (const s of stores) meter.name(s.pid!, 'stores');
  return {
    quick,
    size,
    key,
    stack,
    stores: stores as BenchContext['stores'],
    targets: stores.map((s) => ({ name: s.name, port: s.port })),
    worker,
    db,
    products: Array.from(
      { length: size.products },
      (_, i) => `${BENCH_PREFIX}${String(i + 1).padStart(4, '0')}`,
    ),
    meter,
    accepted: new AcceptedTally(),
    cleanups,
    target: (text, met, value) => (quick ? undefined : { text, met, value }),
  };
}
