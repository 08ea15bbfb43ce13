// Usage: BASELINE=20261204100000 npx tsx bench/sql/webhook-flow.ts [changes=6000] [batch=8] [every=4]
// (DATABASE_URL: use that Postgres; BASELINE: see databases.ts)
/**
 * Postgres CPU per webhook delivery along the whole path, before and after the migrations from
 * BASELINE on: stock changes written with `apply_stock_changes` in batches of `batch` (3 endpoints
 * take stock.changed, so the trigger queues three deliveries a change), and after every `every`
 * batches a worker's round, a claim (100 keys, up to 20 deliveries each) and the finish of all it
 * took as delivered, so that the outbox stays shallow as it does when delivery keeps up. The same
 * work runs in two databases of one server, alternating which goes first in each step. CPU is the
 * backend's own time on CPU (/proc/<pid>/schedstat: other load on the machine does not count),
 * split into the writes (with the trigger), the claims and the finishes, and the claims' and
 * finishes' CPU in each tenth of the run: flat when their cost does not grow with the history.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { deliveredResults, scratchDatabases, seedStock } from './databases.js';

const changes = Number(process.argv[2] ?? 6000);
const batch = Number(process.argv[3] ?? 8);
const every = Number(process.argv[4] ?? 4);
const PRODUCTS = 50;
const LOCATIONS = ['main-store', 'downtown-store', 'mall-store'];
const ENDPOINTS = 3;

async function cpuNs(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]);
}

interface Side {
  client: pg.Client;
  pid: number;
  ns: { writes: number; claims: number; finishes: number };
  /** CPU (ns) of each claim and each finish, in order. */
  calls: { claims: number[]; finishes: number[] };
  delivered: number;
  claims: number;
}

async function open(url: string): Promise<Side> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await seedStock(client, { products: PRODUCTS, locations: LOCATIONS, endpoints: ENDPOINTS });
  // As a store calls: the database then announces none of its writes itself.
  await client.query(`select set_config('request.headers', $1, false)`, [
    JSON.stringify({ 'x-stockwire-store': 'bench', 'content-type': 'application/json' }),
  ]);
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  return {
    client,
    pid: rows[0]!.pid,
    ns: { writes: 0, claims: 0, finishes: 0 },
    calls: { claims: [], finishes: [] },
    delivered: 0,
    claims: 0,
  };
}

async function timed(side: Side, part: keyof Side['ns'], work: () => Promise<void>) {
  const start = await cpuNs(side.pid);
  await work();
  const used = (await cpuNs(side.pid)) - start;
  side.ns[part] += used;
  if (part !== 'writes') side.calls[part].push(used);
}

/** The CPU ms of each tenth of the calls, in order. */
const tenths = (ns: number[]) =>
  Array.from({ length: 10 }, (_, i) =>
    Math.round(
      ns
        .slice(Math.floor((i * ns.length) / 10), Math.floor(((i + 1) * ns.length) / 10))
        .reduce((a, b) => a + b, 0) / 1e6,
    ),
  ).join(' ');

interface Claimed {
  deliveries: { delivery_id: number; attempt_id: number }[];
}

async function deliverRound(side: Side): Promise<number> {
  let claimed: Claimed['deliveries'] = [];
  await timed(side, 'claims', async () => {
    const { rows } = await side.client.query<{ c: Claimed }>(
      `select public.claim_webhook_deliveries('bench', 100, 20, 60) as c`,
    );
    claimed = rows[0]!.c.deliveries;
  });
  side.claims++;
  if (claimed.length === 0) return 0;
  const results = deliveredResults(claimed);
  await timed(side, 'finishes', async () => {
    await side.client.query(`select public.finish_webhook_attempts('bench', $1, 86400)`, [
      JSON.stringify(results),
    ]);
  });
  side.delivered += claimed.length;
  return claimed.length;
}

const dbs = await scratchDatabases('bench-sql-flow');
try {
  const sides = [await open(dbs.before), await open(dbs.after)] as const;
  let n = 0;
  for (let b = 0; n < changes; b++) {
    const work = Array.from({ length: batch }, (_, i) => ({
      product_id: `B${1 + ((n + i * 7) % PRODUCTS)}`,
      location: LOCATIONS[(n + i) % LOCATIONS.length]!,
      change: -1,
      update_type: 'sale',
      request_id: `req-${n + i}`,
      store: 'bench',
      actor: 'key:bench',
    }));
    n += batch;
    const order = b % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
    for (const side of order)
      await timed(side, 'writes', async () => {
        await side.client.query('select public.apply_stock_changes($1::jsonb)', [
          JSON.stringify(work),
        ]);
      });
    if (b % every === every - 1) for (const side of order) await deliverRound(side);
  }
  // What is left, delivered too, so that both count every delivery.
  for (const side of sides) while ((await deliverRound(side)) > 0);
  console.log(
    `${changes} changes in batches of ${batch}, ${ENDPOINTS} endpoints, a round every ${every} batches`,
  );
  console.log('side     deliveries  claims  CPU ms per delivery: writes  claim  finish  total');
  for (const [name, side] of [
    ['before', sides[0]],
    ['after', sides[1]],
  ] as const) {
    const per = (ns: number) => (ns / 1e6 / side.delivered).toFixed(3).padStart(6);
    const { writes, claims, finishes } = side.ns;
    console.log(
      `${name.padEnd(8)} ${String(side.delivered).padStart(10)}  ${String(side.claims).padStart(6)}` +
        `                        ${per(writes)} ${per(claims)}  ${per(finishes)} ${per(writes + claims + finishes)}`,
    );
    console.log(`         claims, CPU ms by tenth of the run:   ${tenths(side.calls.claims)}`);
    console.log(`         finishes, CPU ms by tenth of the run: ${tenths(side.calls.finishes)}`);
    await side.client.end();
  }
} finally {
  await dbs.stop();
}
