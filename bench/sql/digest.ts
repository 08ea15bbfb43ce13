// Usage: npx tsx bench/sql/digest.ts [products=1000] [locations=1000] [reps=5]  (DATABASE_URL: use that Postgres)
/**
 * What one anti-entropy check costs Postgres at a chain's size (products × locations stock rows),
 * before and after per-bucket digests: the full `inventory_digest()` every store ran before, against
 * the calls a check makes now (`inventory_bucket_digests`, the scrub of a few buckets, and the
 * members and rows of a bucket that differs). Times are wall time of the call and the backend's own
 * CPU (/proc/<pid>/schedstat); the median of `reps` is reported. The rows are built in a scratch
 * database of an embedded Postgres of its own (see databases.ts).
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

/** Buckets a check scrubs from the tables (SCRUB_BUCKETS in the store). */
const SCRUB = 8;
/** Changes written between two checks at 1,000 writes/s and a check every 30 s. */
const PENDING = 30_000;

async function cpuNs(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(
  client: pg.Client,
  pid: number,
  work: () => Promise<unknown>,
): Promise<Timing> {
  const cpu = await cpuNs(pid);
  const start = performance.now();
  await work();
  return { wallMs: performance.now() - start, cpuMs: ((await cpuNs(pid)) - cpu) / 1e6 };
}

async function measure(
  client: pg.Client,
  pid: number,
  reps: number,
  work: () => Promise<unknown>,
  before?: () => Promise<unknown>,
): Promise<Timing> {
  const runs: Timing[] = [];
  for (let r = 0; r <= reps; r++) {
    await before?.();
    const t = await timed(client, pid, work);
    if (r > 0) runs.push(t);
  }
  return { wallMs: median(runs.map((t) => t.wallMs)), cpuMs: median(runs.map((t) => t.cpuMs)) };
}

async function seed(client: pg.Client, products: number, locations: number): Promise<void> {
  await client.query(
    `insert into public.locations (id, name) select 'L' || i, 'Location ' || i
       from generate_series(1, $1::int) i`,
    [locations],
  );
  await client.query(
    `insert into public.products (id, name, low_stock_threshold)
     select 'P' || i, 'Product ' || i, 10 from generate_series(1, $1::int) i`,
    [products],
  );
  // A bulk load, as a restore makes one: with the triggers off (no ledger row, announcement or
  // digest per row), then the digests set from the tables by a scrub of every bucket.
  await client.query('begin');
  await client.query('set local session_replication_role = replica');
  await client.query(
    `insert into public.stock_levels (product_id, location, on_hand)
     select 'P' || p, 'L' || l, 1000 from generate_series(1, $1::int) p, generate_series(1, $2::int) l`,
    [products, locations],
  );
  await client.query('commit');
  await client.query('vacuum analyze');
  await client.query(
    `select public.inventory_digest_scrub(array(select generate_series(0, 1023)))`,
  );
}

/** `count` changes in batches of 16, spread over every product and location. */
async function write(
  client: pg.Client,
  shape: { products: number; locations: number },
  count: number,
  seedValue: number,
): Promise<void> {
  const { products, locations } = shape;
  let s = seedValue >>> 0;
  const next = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + (s % n);
  };
  for (let done = 0; done < count; done += 16) {
    const batch = Array.from({ length: Math.min(16, count - done) }, (_, i) => ({
      product_id: `P${next(products)}`,
      location: `L${next(locations)}`,
      change: (done + i) % 2 === 0 ? 1 : -1,
      update_type: 'adjustment',
      store: 'bench',
    }));
    await client.query('select public.apply_stock_changes($1::jsonb)', [JSON.stringify(batch)]);
  }
}

/** What one check costs, before and after, at one size. */
export interface DigestFigures {
  products: number;
  locations: number;
  /** Seconds it took to build the rows. */
  builtSeconds: number;
  /** The full `inventory_digest()` every check ran before. */
  full: Timing;
  /** A check now, when nothing differs: the kept digests and one scrub round. */
  quiet: Timing;
  quietBuckets: Timing;
  quietScrub: Timing;
  /** A check that finds one bucket differing: scrubbed again, its members and rows read again. */
  repair: Timing;
  /** A check that folds {@link PENDING} changes written since the last. */
  afterWrites: Timing;
  pending: number;
  scrubBuckets: number;
  /** Postgres CPU per change of `apply_stock_changes` (batches of 16), with and without the trigger. */
  writeCpuMs: { withTrigger: number; withoutTrigger: number };
}

/**
 * Builds `products` × `locations` stock rows in a scratch database and measures a check on them.
 * `log` hears of the slow steps.
 */
export async function measureDigests({
  products,
  locations,
  reps,
  dataDir,
  log = () => {},
}: {
  products: number;
  locations: number;
  reps: number;
  /** Where under .data its Postgres keeps its data. @default 'bench-sql' */
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<DigestFigures> {
  // The scratch databases' baseline: before and after the per-bucket digests.
  process.env.BASELINE ??= '20261203300000';
  const { scratchDatabases } = await import('./databases.js');
  const shape = { products, locations };
  const dbs = await scratchDatabases(dataDir);
  try {
    log(`building ${(products * locations).toLocaleString('en')} stock rows…`);
    const client = new pg.Client({ connectionString: dbs.after });
    await client.connect();
    const started = performance.now();
    await seed(client, products, locations);
    const built = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const pid = rows[0]!.pid;
    const bucketsOf = async () =>
      (
        await client.query<{ d: { digests: [number][] } }>(
          'select public.inventory_bucket_digests() d',
        )
      ).rows[0]!.d;
    const scrubBuckets = Array.from({ length: SCRUB }, (_, i) => i * 7);
    const check = () =>
      bucketsOf().then(() =>
        client.query('select public.inventory_digest_scrub($1::int[])', [scrubBuckets]),
      );

    const full = await measure(client, pid, reps, () =>
      client.query('select public.inventory_digest()'),
    );
    await bucketsOf();
    const quiet = await measure(client, pid, reps, check);
    const quietBuckets = await measure(client, pid, reps, bucketsOf);
    const quietScrub = await measure(client, pid, reps, () =>
      client.query('select public.inventory_digest_scrub($1::int[])', [scrubBuckets]),
    );
    // One bucket differs: the check, the bucket scrubbed again after the settle, its members and
    // their rows read again, as a store's repair reads them.
    const oneBucket = [(await bucketsOf()).digests[0]![0]];
    const repair = await measure(client, pid, reps, async () => {
      await check();
      await client.query('select public.inventory_digest_scrub($1::int[])', [oneBucket]);
      const members = (
        await client.query<{ m: string[] }>('select public.inventory_bucket_members($1::int[]) m', [
          oneBucket,
        ])
      ).rows[0]!.m;
      await client.query(
        'select product_id, location, on_hand, reserved, version from public.stock_levels where product_id = any($1)',
        [members],
      );
    });
    // The writes of 30 s at 1,000/s pending: the first check folds them.
    let seedValue = 1;
    const afterWrites = await measure(client, pid, reps, check, () =>
      write(client, shape, PENDING, seedValue++),
    );
    // The same writes' cost with and without the triggers, per change.
    const writeCost = async () => {
      const t = await timed(client, pid, () => write(client, shape, 4096, seedValue++));
      return t.cpuMs / 4096;
    };
    const withTriggers: number[] = [];
    const withoutTriggers: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const on = await writeCost();
      await client.query(
        `alter table public.stock_levels disable trigger stock_levels_digest_update`,
      );
      const off = await writeCost();
      await client.query(
        `alter table public.stock_levels enable trigger stock_levels_digest_update`,
      );
      if (r > 0) {
        withTriggers.push(on);
        withoutTriggers.push(off);
      }
    }
    await bucketsOf();
    await client.end();

    return {
      products,
      locations,
      builtSeconds: built,
      full,
      quiet,
      quietBuckets,
      quietScrub,
      repair,
      afterWrites,
      pending: PENDING,
      scrubBuckets: SCRUB,
      writeCpuMs: { withTrigger: median(withTriggers), withoutTrigger: median(withoutTriggers) },
    };
  } finally {
    await dbs.stop();
  }
}

const row = (name: string, t: Timing) =>
  `| ${name.padEnd(64)} | ${t.wallMs.toFixed(1).padStart(9)} | ${t.cpuMs.toFixed(1).padStart(8)} |`;

/** The figures as the table `bench/results/digest.md` keeps. */
export function digestTable(f: DigestFigures): string {
  return [
    `${f.products} products × ${f.locations} locations = ${(f.products * f.locations).toLocaleString('en')} stock rows (built in ${f.builtSeconds.toFixed(0)} s)`,
    '',
    `| ${'call'.padEnd(64)} | wall (ms) | CPU (ms) |`,
    `| ${'-'.repeat(64)} | --------: | -------: |`,
    row('before: inventory_digest() (every check read all stock)', f.full),
    row('after: a check when nothing differs (digests + scrub)', f.quiet),
    row(' of which inventory_bucket_digests()', f.quietBuckets),
    row(` of which inventory_digest_scrub(${f.scrubBuckets} buckets)`, f.quietScrub),
    row('after: a check where one bucket differs, repaired (re-scrub, members, rows)', f.repair),
    row(
      `after: a check with ${f.pending.toLocaleString('en')} changes written since the last`,
      f.afterWrites,
    ),
    '',
    `apply_stock_changes, batches of 16: ${f.writeCpuMs.withTrigger.toFixed(4)} ms CPU per change with the digest trigger, ${f.writeCpuMs.withoutTrigger.toFixed(4)} without (${(f.writeCpuMs.withTrigger / f.writeCpuMs.withoutTrigger).toFixed(2)}×)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const reps = Number(process.argv[4] ?? 5);
  const figures = await measureDigests({
    products: Number(process.argv[2] ?? 1000),
    locations: Number(process.argv[3] ?? 1000),
    reps,
  });
  console.log(`median of ${reps}\n`);
  console.log(digestTable(figures));
}
