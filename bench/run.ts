/**
 * `npm run bench`: starts the local stack and three stores (child processes), drives them from a
 * separate load-generator process, and puts every figure beside a baseline measured in the same
 * run on the same machine. Writes bench/results/{results,quick}.{json,md,png} and prints the table.
 *
 *   npm run bench                      full run, a few minutes
 *   npm run bench -- --quick           smoke run, under a minute (CI)
 *   npm run bench -- --only reads      some phases: connections, reads, writes, fanout, recovery
 *   npm run bench -- --profile         stores write V8 CPU profiles (.data/bench/profiles)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pollConvergence, rowsLeft } from '@stockwire/fault-drill';
import { PROJECT_ROOT, startLocalStack } from '@stockwire/local-stack';
import pg from 'pg';
import { z } from 'zod';
import { renderChart } from './lib/chart.js';
import { cpuBetween, sampleCpu } from './lib/cpu.js';
import {
  forkBareServer,
  forkLoadWorker,
  residentBytes,
  spawnStore,
  type StoreProcess,
} from './lib/processes.js';
import {
  fmt,
  toMarkdown,
  toText,
  type BenchReport,
  type CpuRow,
  type Figure,
} from './lib/report.js';
import type { LoadResult } from './lib/load.js';
import type { AcceptedChanges, StoreTarget, WriteLoadResult } from './load/protocol.js';

const PHASES = ['connections', 'reads', 'writes', 'fanout', 'recovery'] as const;
type Phase = (typeof PHASES)[number];

const ArgsSchema = z.object({
  quick: z.boolean(),
  profile: z.boolean(),
  only: z
    .string()
    .optional()
    .transform((s) => (s === undefined ? [...PHASES] : s.split(',').map((x) => x.trim())))
    .pipe(z.array(z.enum(PHASES)).min(1)),
});

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const args = ArgsSchema.parse(values);

/** How much of everything: the full run, and the smoke run CI does. */
const SIZES = {
  full: {
    rounds: 4,
    products: 200,
    connections: 10_000,
    warmupMs: 1000,
    readMs: 8000,
    readConnections: 64,
    writeMs: 10_000,
    writeConnections: 96,
    hotConnections: 48,
    catchUpMs: 1500,
    openRate: 2000,
    openMs: 10_000,
    sqlClients: 8,
    restConnections: 16,
    floorMs: 3000,
    fanoutClients: 300,
    fanoutRates: [200],
    fanoutMs: 10_000,
    outageMs: 2000,
  },
  quick: {
    rounds: 2,
    products: 40,
    connections: 500,
    warmupMs: 300,
    readMs: 1500,
    readConnections: 32,
    writeMs: 2000,
    writeConnections: 48,
    hotConnections: 24,
    catchUpMs: 300,
    openRate: 500,
    openMs: 1500,
    sqlClients: 8,
    restConnections: 16,
    floorMs: 1000,
    fanoutClients: 40,
    fanoutRates: [200],
    fanoutMs: 1500,
    outageMs: 1000,
  },
};
const size = args.quick ? SIZES.quick : SIZES.full;

const STORE_NAMES = ['main-store', 'downtown-store', 'mall-store'];
/** The API key the bench writes with, made for this run only. */
const KEY = `bench-${randomBytes(24).toString('hex')}`;
const INITIAL_STOCK = 1_000_000;
const HOT_PRODUCT = 'BENCH-HOT';
const DATA_DIR = join(PROJECT_ROOT, '.data', 'bench');
const RESULTS_DIR = join(PROJECT_ROOT, 'bench', 'results');

const say = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (n: number) => `${fmt(n)} ms`;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** The stores' group-commit counters of `apply_stock_changes`, summed: calls made, changes sent. */
async function groupCommits(urls: string[]): Promise<{ calls: number; items: number }> {
  const total = { calls: 0, items: 0 };
  for (const url of urls) {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    for (const line of (await res.text()).split('\n')) {
      const m =
        /^stockwire_group_commit_(calls|items)_total\{[^}]*function="apply_stock_changes"[^}]*\} (\d+)/.exec(
          line,
        );
      if (m) total[m[1] as 'calls' | 'items'] += Number(m[2]);
    }
  }
  return total;
}

/** Runs `fn` over `items`, `parallel` at a time. */
async function eachLimited<T>(items: T[], parallel: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function mergeAccepted(into: AcceptedChanges, from: AcceptedChanges): void {
  for (const [key, row] of Object.entries(from)) {
    const acc = (into[key] ??= { count: 0, sum: 0 });
    acc.count += row.count;
    acc.sum += row.sum;
  }
}

/** A task's result for the report, without its per-row tallies (kept only for the ledger check). */
function withoutAccepted(result: unknown): unknown {
  if (typeof result !== 'object' || result === null) return result;
  const rest: Record<string, unknown> = { ...result };
  delete rest.accepted;
  return rest;
}

/**
 * Rounds of one measurement as one: rates over all of them, p50 the median round's, the tail
 * (p90, p99, max) the worst round's.
 */
function combineRounds(rounds: LoadResult[]): LoadResult {
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const r of rounds) {
    for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  }
  const p50s = rounds.map((r) => r.latency.p50).sort((a, b) => a - b);
  const worst = (f: (r: LoadResult) => number) => Math.max(...rounds.map(f));
  return {
    requests,
    seconds,
    perSecond: requests / seconds,
    statuses,
    cpuSeconds: rounds.reduce((n, r) => n + r.cpuSeconds, 0),
    dropped: rounds.reduce((n, r) => n + (r.dropped ?? 0), 0),
    latency: {
      count: requests,
      mean: rounds.reduce((n, r) => n + r.latency.mean * r.requests, 0) / Math.max(1, requests),
      p50: p50s[Math.floor((p50s.length - 1) / 2)] ?? 0,
      p90: worst((r) => r.latency.p90),
      p99: worst((r) => r.latency.p99),
      max: worst((r) => r.latency.max),
    },
  };
}

const started = performance.now();
const startedAt = new Date().toISOString();
const figures: Figure[] = [];
const cpuRows: CpuRow[] = [];
const checks: BenchReport['checks'] = {};
const raw: BenchReport['raw'] = {};
const accepted: AcceptedChanges = {};
let unknownOutcomes = 0;
const cleanups: Array<() => Promise<unknown>> = [];
/** Targets are judged on full runs only: a quick run is a smoke test, scaled down. */
const target = (text: string, met: boolean, value?: number) =>
  args.quick ? undefined : { text, met, value };

async function cleanup() {
  for (const fn of cleanups.reverse())
    await fn().catch((e: unknown) => say(`cleanup: ${String(e)}`));
  cleanups.length = 0;
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function main(): Promise<number> {
  await mkdir(join(DATA_DIR, 'logs'), { recursive: true });
  const profileDir = join(DATA_DIR, 'profiles');
  if (args.profile) {
    await rm(profileDir, { recursive: true, force: true });
    await mkdir(profileDir, { recursive: true });
  }
  say(`${args.quick ? 'quick' : 'full'} run: ${args.only.join(', ')}`);
  say('starting the local stack (Postgres, PostgREST, gateway, Redis)…');
  const stack = await startLocalStack({
    dataDir: DATA_DIR,
    database: 'stockwire_bench',
    fresh: true,
    ownRedis: true,
  });
  cleanups.push(() => stack.stop());

  say('starting three stores and the load generator…');
  const stores: StoreProcess[] = await Promise.all(
    STORE_NAMES.map((name) =>
      spawnStore({
        name,
        env: {
          SUPABASE_URL: stack.supabaseUrl,
          SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
          REDIS_URL: stack.redisUrl,
          API_KEYS: `bench:admin:${KEY}`,
          // One client from one address writes thousands a second: a trusted internal client.
          RATE_LIMIT_PER_KEY: '0',
          RATE_LIMIT_PER_IP: '0',
          LOG_FORMAT: 'json',
        },
        logDir: join(DATA_DIR, 'logs'),
        nodeFlags: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      }),
    ),
  );
  cleanups.push(() => Promise.all(stores.map((s) => s.stop())));
  const worker = forkLoadWorker();
  cleanups.push(() => worker.stop());
  const targets: StoreTarget[] = stores.map((s) => ({ name: s.name, port: s.port }));
  const [main, downtown, mall] = stores as [StoreProcess, StoreProcess, StoreProcess];

  const named = new Map<number, string>([[worker.pid, 'load']]);
  for (const s of stores) named.set(s.pid, 'stores');
  /** Runs one measured stretch; stretches with the same name (rounds) add up in the CPU table. */
  async function measured<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    if (!cpuRows.some((r) => r.phase === phase)) say(`  ${phase}…`);
    const before = sampleCpu(named);
    const t = performance.now();
    const result = await fn();
    const seconds = (performance.now() - t) / 1000;
    const used = cpuBetween(before, sampleCpu(named));
    const row = cpuRows.find((r) => r.phase === phase);
    if (row) {
      // Stored as CPU seconds until the end, when they become cores.
      for (const [k, v] of Object.entries(used)) row.cores[k] = (row.cores[k] ?? 0) + v;
      row.seconds += seconds;
    } else {
      cpuRows.push({ phase, seconds, cores: used });
    }
    const rounds = (raw[phase] ??= []) as unknown[];
    rounds.push(withoutAccepted(result));
    return result;
  }

  /**
   * Runs each measurement `rounds` times, taking turns, so that whatever else loads the machine
   * meanwhile falls on figure and baseline alike; returns each measurement's rounds combined.
   */
  async function interleaved(
    measurements: ReadonlyArray<readonly [phase: string, run: () => Promise<LoadResult>]>,
  ): Promise<LoadResult[]> {
    const results = measurements.map(() => [] as LoadResult[]);
    for (let round = 0; round < size.rounds; round++) {
      for (const [i, [phase, fn]] of measurements.entries()) {
        results[i]!.push(await measured(phase, fn));
      }
    }
    return results.map(combineRounds);
  }
  const run = (phase: Phase) => args.only.includes(phase);

  // Connections first, while the catalogue (sent to every client on connect) is the seed's.
  if (run('connections')) {
    say('connections');
    const before = await residentBytes(main.pid);
    const opened = await measured(`connections: ${fmt(size.connections)} Socket.IO clients`, () =>
      worker.run('connectionsOpen', { url: main.url, count: size.connections }),
    );
    await sleep(1000);
    const after = await residentBytes(main.pid);
    const health = await getJson<{ clients: { socketio: number } }>(`${main.url}/health`);
    await worker.run('connectionsClose', {});
    const held = health.clients.socketio;
    const perConnection = before !== null && after !== null ? (after - before) / held / 1024 : NaN;
    figures.push(
      {
        section: 'Connections',
        label: 'Socket.IO clients held by one store',
        value: held,
        unit: 'clients',
        detail: `${fmt(opened.seconds)} s to connect, ${opened.failed} failed`,
        target: target('≥ 10,000', held >= 10_000, 10_000),
      },
      {
        section: 'Connections',
        label: 'memory per Socket.IO connection (store RSS growth ÷ clients)',
        value: perConnection,
        unit: 'KiB',
        detail: `RSS ${fmt((before ?? 0) / 2 ** 20)} → ${fmt((after ?? 0) / 2 ** 20)} MiB`,
      },
    );
  }

  say(`creating ${size.products} bench products…`);
  const products = Array.from(
    { length: size.products },
    (_, i) => `BENCH-${String(i + 1).padStart(4, '0')}`,
  );
  const stock = Object.fromEntries(STORE_NAMES.map((n) => [n, INITIAL_STOCK]));
  await eachLimited([...products, HOT_PRODUCT], 8, async (id) => {
    const res = await fetch(`${main.url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ product_id: id, name: `Bench ${id}`, stock }),
    });
    if (res.status !== 201) throw new Error(`creating ${id}: ${res.status} ${await res.text()}`);
  });
  for (const s of stores) {
    for (let i = 0; ; i++) {
      if ((await fetch(`${s.url}/inventory/${HOT_PRODUCT}`)).status === 200) break;
      if (i > 1200) throw new Error(`${s.name} never learnt of the bench products`);
      await sleep(25);
    }
  }
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  cleanups.push(() => db.end());
  const { rows: maxRows } = await db.query<{ id: string | null }>(
    'select max(id)::text as id from public.inventory_events',
  );
  const ledgerFrom = Number(maxRows[0]?.id ?? 0);

  if (run('reads')) {
    say('reads');
    const path = `/inventory/${products[0]}`;
    const body = Buffer.from(await (await fetch(`${main.url}${path}`)).arrayBuffer());
    const bare = await forkBareServer(body);
    cleanups.push(() => bare.stop());
    named.set(bare.pid, 'bare');
    const common = {
      connections: size.readConnections,
      durationMs: size.readMs / size.rounds,
      warmupMs: size.warmupMs / 2,
    };
    const [ceiling, one, three, express] = (await interleaved([
      [
        'reads: bare node:http, same bytes',
        () => worker.run('reads', { ...common, ports: [bare.port], path }),
      ],
      ['reads: one store', () => worker.run('reads', { ...common, ports: [main.port], path })],
      [
        'reads: three stores',
        () => worker.run('reads', { ...common, ports: stores.map((s) => s.port), path }),
      ],
      [
        'reads: one store, through Express',
        () => worker.run('reads', { ...common, ports: [main.port], path: `${path}?via=express` }),
      ],
    ])) as [LoadResult, LoadResult, LoadResult, LoadResult];
    await bare.stop();
    const lat = (r: typeof one) => `p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}`;
    const baseline = {
      label: 'bare node:http, same bytes',
      value: ceiling.perSecond,
      unit: 'req/s',
      detail: lat(ceiling),
    };
    figures.push(
      {
        section: 'Reads',
        label: `GET /inventory/{id}, one store (${common.connections} connections)`,
        value: one.perSecond,
        unit: 'req/s',
        detail: lat(one),
        baseline,
        ratio: one.perSecond / ceiling.perSecond,
        target: target('≥ 40 %', one.perSecond / ceiling.perSecond >= 0.4, 0.4 * ceiling.perSecond),
      },
      {
        section: 'Reads',
        label: 'GET /inventory/{id}, three stores together',
        value: three.perSecond,
        unit: 'req/s',
        detail: lat(three),
        baseline,
        ratio: three.perSecond / ceiling.perSecond,
      },
      {
        section: 'Reads',
        label: 'the same through the Express router (`?via=express`)',
        value: express.perSecond,
        unit: 'req/s',
        detail: lat(express),
        baseline,
        ratio: express.perSecond / ceiling.perSecond,
      },
    );
    const non200 = [ceiling, one, three, express].reduce(
      (n, r) => n + r.requests - (r.statuses['200'] ?? 0),
      0,
    );
    checks['reads not answered 200'] = non200;
  }

  if (run('writes')) {
    say('writes');
    const common = {
      key: KEY,
      products,
      durationMs: size.writeMs / size.rounds,
      warmupMs: size.warmupMs / 2,
    };
    /** Every change a write task got accepted, warm-up included, for the ledger check. */
    let acceptedRandom = 0;
    /** Group-commit calls and the changes they carried, in the random-products phase. */
    let randomCalls = 0;
    let randomItems = 0;
    const tally = async (run: Promise<WriteLoadResult>, count?: (n: number) => void) => {
      const r = await run;
      mergeAccepted(accepted, r.accepted);
      unknownOutcomes += r.unknown;
      count?.(Object.values(r.accepted).reduce((n, a) => n + a.count, 0));
      return r;
    };
    const [sql, rest, , random, hot, holds, orders] = (await interleaved([
      [
        'writes: direct SQL, one change per call',
        () =>
          tally(
            worker.run('sqlDirect', {
              ...common,
              databaseUrl: stack.databaseUrl,
              locations: STORE_NAMES,
              clients: size.sqlClients,
            }),
          ),
      ],
      [
        'writes: PostgREST, one rpc per change',
        () =>
          tally(
            worker.run('postgrestDirect', {
              ...common,
              supabaseUrl: stack.supabaseUrl,
              serviceRoleKey: stack.serviceRoleKey,
              locations: STORE_NAMES,
              connections: size.restConnections,
            }),
          ),
      ],
      [
        // The baselines just moved the bench rows behind the stores' backs (no store heard of
        // it), so the stores' first writes to them find versions missing and every store reloads
        // every product. That is the baselines' doing, not the stores' pace: it happens here,
        // with its own CPU row, and is not measured as a figure.
        'writes: stores catch up with the baselines (not a figure)',
        () =>
          tally(
            worker.run('writes', {
              ...common,
              durationMs: size.catchUpMs,
              warmupMs: 0,
              stores: targets,
              connections: size.writeConnections,
            }),
          ),
      ],
      [
        'writes: three stores, random products',
        async () => {
          const before = await groupCommits(stores.map((s) => s.url));
          const result = await tally(
            worker.run('writes', {
              ...common,
              stores: targets,
              connections: size.writeConnections,
            }),
            (n) => (acceptedRandom += n),
          );
          const after = await groupCommits(stores.map((s) => s.url));
          randomCalls += after.calls - before.calls;
          randomItems += after.items - before.items;
          return result;
        },
      ],
      [
        'writes: three stores, one hot row',
        () =>
          tally(
            worker.run('writes', {
              ...common,
              stores: targets,
              connections: size.hotConnections,
              hot: { product: HOT_PRODUCT, location: 'main-store' },
            }),
          ),
      ],
      [
        'writes: holds of one unit, three stores',
        () =>
          tally(
            worker.run('writes', {
              ...common,
              kind: 'hold',
              stores: targets,
              connections: size.writeConnections,
            }),
          ),
      ],
      [
        'writes: one-line orders, three stores',
        () =>
          tally(
            worker.run('writes', {
              ...common,
              kind: 'order',
              stores: targets,
              connections: size.writeConnections,
            }),
          ),
      ],
    ])) as [LoadResult, LoadResult, LoadResult, LoadResult, LoadResult, LoadResult, LoadResult];
    const open = await measured(`writes: open loop at ${size.openRate}/s`, () =>
      tally(
        worker.run('writes', {
          ...common,
          durationMs: size.openMs,
          warmupMs: 0,
          stores: targets,
          connections: 0,
          rate: size.openRate,
        }),
      ),
    );
    // What one change costs, in CPU, in every process it passes through (the load generator not
    // counted): the ceiling this machine puts on the write path whatever the concurrency.
    const spent = cpuRows.find((r) => r.phase === 'writes: three stores, random products')?.cores;
    const perChange = (group: string) => ((spent?.[group] ?? 0) / acceptedRandom) * 1000;
    const servers = ['stores', 'postgres', 'postgrest', 'self', 'redis'];
    const cpuPerChange = servers.reduce((n, g) => n + perChange(g), 0);
    const lat = (r: typeof sql) => `p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}`;
    const restBaseline = {
      label: `one rpc per change through PostgREST (${size.restConnections} in flight)`,
      value: rest.perSecond,
      unit: 'changes/s',
      detail: lat(rest),
    };
    const sqlBaseline = {
      label: `apply_stock_changes over direct SQL (${size.sqlClients} connections)`,
      value: sql.perSecond,
      unit: 'changes/s',
      detail: lat(sql),
    };
    figures.push(
      {
        section: 'Writes',
        label: `three stores, random products (${size.writeConnections} connections)`,
        value: random.perSecond,
        unit: 'changes/s',
        detail:
          randomCalls > 0
            ? `${lat(random)}; ${fmt(randomItems / randomCalls)} changes per rpc`
            : lat(random),
        baseline: restBaseline,
        ratio: random.perSecond / rest.perSecond,
        target: target(
          '≥ 5,000/s and ≥ 3×',
          random.perSecond >= 5000 && random.perSecond >= 3 * rest.perSecond,
          Math.max(5000, 3 * rest.perSecond),
        ),
      },
      {
        section: 'Writes',
        label: 'the same, against the direct-SQL ceiling',
        value: random.perSecond,
        unit: 'changes/s',
        baseline: sqlBaseline,
        ratio: random.perSecond / sql.perSecond,
        target: target('≥ 50 %', random.perSecond >= 0.5 * sql.perSecond, 0.5 * sql.perSecond),
      },
      {
        section: 'Writes',
        label: `one hot row, sold at all three stores (${size.hotConnections} connections)`,
        value: hot.perSecond,
        unit: 'changes/s',
        detail: lat(hot),
        baseline: restBaseline,
        ratio: hot.perSecond / rest.perSecond,
      },
      {
        section: 'Writes',
        label: `holds of one unit, three stores, random products (${size.writeConnections} connections)`,
        value: holds.perSecond,
        unit: 'holds/s',
        detail: lat(holds),
        baseline: restBaseline,
        ratio: holds.perSecond / rest.perSecond,
      },
      {
        section: 'Writes',
        label: `one-line orders, three stores, random products (${size.writeConnections} connections)`,
        value: orders.perSecond,
        unit: 'orders/s',
        detail: lat(orders),
        baseline: restBaseline,
        ratio: orders.perSecond / rest.perSecond,
      },
      {
        section: 'Writes',
        label: `p99 latency at ${fmt(size.openRate)} changes/s (open loop)`,
        value: open.latency.p99,
        unit: 'ms',
        detail:
          `p50 ${ms(open.latency.p50)}, max ${ms(open.latency.max)}, ${fmt(open.perSecond)}/s done` +
          (open.dropped ? `, ${fmt(open.dropped)} not sent: overloaded` : ''),
        target: target('≤ 50 ms', open.latency.p99 <= 50 && !open.dropped, 50),
      },
      {
        section: 'Writes',
        label: 'CPU per change, all server processes (random products)',
        value: cpuPerChange,
        unit: 'ms',
        detail:
          `stores ${ms(perChange('stores'))}, Postgres ${ms(perChange('postgres'))}, ` +
          `PostgREST ${ms(perChange('postgrest'))}, gateway ${ms(perChange('self'))}: ` +
          `${fmt((cpus().length * 1000) / cpuPerChange)} changes/s at most on ${cpus().length} idle cores`,
      },
    );
    const refused = [random, hot, open].reduce(
      (n, r) => n + r.requests - (r.statuses['200'] ?? 0),
      0,
    );
    checks['writes not answered 200'] = refused;
    checks['holds and orders not answered 201'] = [holds, orders].reduce(
      (n, r) => n + r.requests - (r.statuses['201'] ?? 0),
      0,
    );
  }

  if (run('fanout')) {
    say('fan-out');
    const floor = await measured('fan-out: Redis PUBLISH → subscriber, 1,000/s', () =>
      worker.run('redisFloor', { redisUrl: stack.redisUrl, rate: 1000, durationMs: size.floorMs }),
    );
    for (const rate of size.fanoutRates) {
      const f = await measured(
        `fan-out: ${rate} writes/s, ${size.fanoutClients} clients on two other stores`,
        () =>
          worker.run('fanout', {
            key: KEY,
            writer: { name: main.name, port: main.port },
            listeners: [downtown.url, mall.url],
            clients: size.fanoutClients,
            rate,
            durationMs: size.fanoutMs,
            products,
          }),
      );
      mergeAccepted(accepted, f.accepted);
      const label = `${rate} writes/s, ${f.clients} clients`;
      figures.push(
        {
          section: 'Fan-out',
          label: `p50 write response → update at another store (${label})`,
          value: f.latency.p50,
          unit: 'ms',
          detail:
            `${f.beforeResponse} of ${f.deliveries} arrived before the response` +
            (f.writes.dropped ? `; ${fmt(f.writes.dropped)} writes not sent: overloaded` : ''),
          baseline: {
            label: 'Redis PUBLISH → subscriber p50',
            value: floor.latency.p50,
            unit: 'ms',
          },
          ratio: f.latency.p50 / floor.latency.p50,
          target: rate === 200 ? target('≤ 2 ms', f.latency.p50 <= 2, 2) : undefined,
        },
        {
          section: 'Fan-out',
          label: `p99 (max ${ms(f.latency.max)})`,
          value: f.latency.p99,
          unit: 'ms',
          baseline: {
            label: 'Redis PUBLISH → subscriber p99',
            value: floor.latency.p99,
            unit: 'ms',
          },
          ratio: f.latency.p99 / floor.latency.p99,
          target: rate === 200 ? target('≤ 15 ms', f.latency.p99 <= 15, 15) : undefined,
        },
        {
          section: 'Fan-out',
          label: `deliveries per second (${label})`,
          value: f.deliveriesPerSecond,
          unit: 'events/s',
          detail: `${f.expectedDeliveries - f.deliveries} of ${f.expectedDeliveries} missing`,
        },
      );
      checks[`fan-out deliveries missing at ${rate}/s`] = f.expectedDeliveries - f.deliveries;
      checks[`fan-out clients that could not connect at ${rate}/s`] = f.failedClients;
    }
  }

  /** Compares the bench products in every store's cache with the database, polling. */
  const benchConvergence = async (options: { timeoutMs: number; intervalMs: number }) => {
    const { convergedMs, left } = await pollConvergence(stores, db, {
      ...options,
      products: (id) => id.startsWith('BENCH-'),
    });
    return { converged: convergedMs !== null, staleRows: rowsLeft(left) };
  };

  // Caches must agree with the database once writes stop (pub/sub is at-most-once; versions repair).
  const { staleRows: mismatched } = await benchConvergence({ timeoutMs: 5000, intervalMs: 50 });
  checks['cached rows differing from the database'] = mismatched;

  if (run('recovery')) {
    say('recovery');
    const redis = stack.redis;
    if (!redis) {
      say('  skipped: Redis is not one this run started, so it cannot restart it');
    } else {
      const limitMs = args.quick ? 5000 : 10_000;
      const writes = worker.run('writes', {
        key: KEY,
        stores: targets,
        products,
        connections: 0,
        rate: 200,
        durationMs: 1000 + size.outageMs,
        warmupMs: 0,
      });
      await sleep(1000);
      await redis.stop({ kill: true });
      await sleep(size.outageMs);
      const restartedAt = performance.now();
      const { seconds, stale } = await measured(
        'recovery: Redis killed under writes, then restarted',
        async () => {
          await redis.start();
          const done = await writes;
          mergeAccepted(accepted, done.accepted);
          unknownOutcomes += done.unknown;
          const { converged, staleRows } = await benchConvergence({
            timeoutMs: limitMs - (performance.now() - restartedAt),
            intervalMs: 25,
          });
          const elapsed = performance.now() - restartedAt;
          return converged
            ? { seconds: elapsed / 1000, stale: 0 }
            : { seconds: NaN, stale: staleRows };
        },
      );
      figures.push({
        section: 'Recovery',
        label: `all caches equal the database after Redis restarts (down ${fmt(size.outageMs / 1000)} s under writes)`,
        value: seconds,
        unit: 's',
        ...(stale > 0 && {
          detail: `${stale} cached rows still differed ${fmt(limitMs / 1000)} s after the restart`,
        }),
        target: target('≤ 2 s', seconds <= 2, 2),
      });
      checks['cached rows stale after the Redis restart'] = stale;
    }
  }

  say('checking the ledger against every accepted change…');
  const { rows: ledgerRows } = await db.query<{
    key: string;
    n: string;
    s: string;
    on_hand: number;
  }>(
    `select e.product_id || '|' || e.location as key, count(*)::text as n, sum(e.change)::text as s,
            min(l.on_hand) as on_hand
       from public.inventory_events e
       join public.stock_levels l using (product_id, location)
      where e.id > $1
      group by e.product_id, e.location`,
    [ledgerFrom],
  );
  let lost = 0;
  let stockMismatches = 0;
  const seen = new Set<string>();
  for (const row of ledgerRows) {
    seen.add(row.key);
    const acc = accepted[row.key] ?? { count: 0, sum: 0 };
    lost += Math.abs(Number(row.n) - acc.count);
    if (Number(row.s) !== acc.sum || row.on_hand !== INITIAL_STOCK + acc.sum) stockMismatches++;
  }
  for (const [key, acc] of Object.entries(accepted)) if (!seen.has(key)) lost += acc.count;
  const acceptedTotal = Object.values(accepted).reduce((n, r) => n + r.count, 0);
  checks['changes accepted'] = acceptedTotal;
  checks['ledger rows differing from accepted changes'] = lost;
  checks['rows whose stock differs from the ledger'] = stockMismatches;
  checks['requests with unknown outcome'] = unknownOutcomes;
  const broken = lost + stockMismatches + mismatched;
  if (acceptedTotal > 0) {
    figures.push({
      section: 'Writes',
      label: `lost updates among ${fmt(acceptedTotal)} accepted changes (ledger, stock, caches)`,
      value: broken,
      unit: '',
      target: target('= 0', broken === 0, 0),
    });
  }

  await cleanup();

  for (const row of cpuRows) {
    for (const k of Object.keys(row.cores)) row.cores[k] = row.cores[k]! / row.seconds;
  }
  const others = cpuRows.map((r) => r.cores.others ?? 0);
  const avgOthers = others.length ? others.reduce((a, b) => a + b, 0) / others.length : 0;
  const report: BenchReport = {
    title: 'Stockwire benchmark',
    mode: args.quick ? 'quick' : 'full',
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    note:
      'Loopback only; load generator, stores, PostgREST, Postgres and Redis share the same cores, ' +
      'so every figure is beside a baseline measured in this run on this machine. ' +
      (avgOthers > 0.1
        ? `The machine was shared: processes outside this run used ${fmt(avgOthers)} cores on ` +
          'average meanwhile (see "rest of machine"), so figures are noisy and on the low side.'
        : 'Nothing else used the machine noticeably during the run.'),
    figures,
    cpu: cpuRows,
    checks,
    raw,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, args.quick ? 'quick' : 'results');
  await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  await writeFile(`${base}.md`, toMarkdown(report));
  await writeFile(`${base}.png`, renderChart(report));
  console.log(`\n${toText(report)}\n`);
  console.log(
    Object.entries(checks)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\n'),
  );
  say(`wrote ${base}.{json,md,png} in ${fmt(report.durationSeconds)} s`);
  if (broken > 0) say(`CORRECTNESS FAILURE: ${broken} lost or mismatched updates`);
  return broken > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  },
);
