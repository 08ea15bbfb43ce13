// Usage: npx tsx bench/sql/apply-changes.ts [reps=7]  (DATABASE_URL: use that Postgres; BASELINE: see databases.ts;
// CALLER=service: call as another service would, whose writes the database announces; default: as a store;
// ENDPOINTS=n: n webhook endpoints take stock.changed in the `after` database only, so that with
// BASELINE=29991231000000 (both databases fully migrated) the figure is the webhook triggers' cost)
/**
 * Postgres CPU per change of `apply_stock_changes`, before and after the migrations from BASELINE
 * on, side by side: the same batches on identical data in two databases of one server, alternating
 * which goes first. CPU is the backend's own time on CPU (/proc/<pid>/schedstat, so other load on
 * the machine does not count), for the calls only; the median of `reps` rounds is reported.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { scratchDatabases, seedStock } from './databases.js';

const PRODUCTS = 200;
const LOCATIONS = ['main-store', 'downtown-store', 'mall-store'];
const CHANGES_PER_ROUND = 4096;
const reps = Number(process.argv[2] ?? 7);
/**
 * A store names itself in `X-Stockwire-Store`, which PostgREST hands to the transaction in
 * `request.headers`: the database then announces none of its writes. Another service sends none.
 */
const asStore = (process.env.CALLER ?? 'store') === 'store';
/** Webhook endpoints subscribed to every stock change, in the `after` database. */
const endpoints = Number(process.env.ENDPOINTS ?? 0);

interface Change {
  product_id: string;
  location: string;
  change: number;
  update_type: string;
  request_id: string;
  store: string;
  actor: string;
}

/** A small deterministic generator, so both databases get exactly the same batches. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function batches(size: number, hot: boolean, seed: number): Change[][] {
  const next = random(seed);
  const out: Change[][] = [];
  let n = 0;
  for (let b = 0; b < CHANGES_PER_ROUND / size; b++) {
    const batch: Change[] = [];
    for (let i = 0; i < size; i++, n++) {
      const sale = next() < 0.5;
      batch.push({
        product_id: hot ? 'B1' : `B${1 + Math.floor(next() * PRODUCTS)}`,
        location: hot ? LOCATIONS[0]! : LOCATIONS[Math.floor(next() * LOCATIONS.length)]!,
        change: sale ? -1 - Math.floor(next() * 3) : 1 + Math.floor(next() * 3),
        update_type: sale ? 'sale' : 'restock',
        request_id: `req-${n}`,
        store: 'bench',
        actor: 'key:bench',
      });
    }
    out.push(batch);
  }
  return out;
}

async function cpuNs(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]);
}

/** Backend CPU (ns) for applying the batches, one call (one transaction) each. */
async function round(client: pg.Client, pid: number, work: Change[][]): Promise<number> {
  const start = await cpuNs(pid);
  for (const batch of work) {
    await client.query('select public.apply_stock_changes($1::jsonb)', [JSON.stringify(batch)]);
  }
  return (await cpuNs(pid)) - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dbs = await scratchDatabases();
try {
  const sides = await Promise.all(
    [dbs.before, dbs.after].map(async (url, side) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await seedStock(client, {
        products: PRODUCTS,
        locations: LOCATIONS,
        endpoints: side === 1 ? endpoints : 0,
      });
      await client.query('set synchronous_commit = off');
      if (asStore) {
        await client.query(`select set_config('request.headers', $1, false)`, [
          JSON.stringify({ 'x-stockwire-store': 'bench', 'content-type': 'application/json' }),
        ]);
      }
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      return { client, pid: rows[0]!.pid };
    }),
  );
  console.log(`calls as ${asStore ? 'a store' : 'another service'}`);
  if (endpoints > 0) console.log(`after: ${endpoints} webhook endpoint(s) take stock.changed`);
  console.log('batch  rows    before ms/change  after ms/change  after/before');
  for (const size of [1, 32, 128]) {
    for (const hot of [false, true]) {
      const times: [number[], number[]] = [[], []];
      for (let r = 0; r <= reps; r++) {
        const work = batches(size, hot, r + 1);
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const ns = await round(sides[i]!.client, sides[i]!.pid, work);
          // Round 0 warms both sides up (plans, caches) and is not counted.
          if (r > 0) times[i as 0 | 1].push(ns / 1e6 / CHANGES_PER_ROUND);
        }
      }
      const [before, after] = times.map(median) as [number, number];
      console.log(
        `${String(size).padStart(5)}  ${(hot ? 'hot' : 'random').padEnd(6)}  ${before.toFixed(4).padStart(16)}  ${after.toFixed(4).padStart(15)}  ${(after / before).toFixed(2).padStart(12)}`,
      );
    }
  }
  await Promise.all(sides.map((s) => s.client.end()));
} finally {
  await dbs.stop();
}
