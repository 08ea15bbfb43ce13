// Usage: BASELINE=20261203200000 npx tsx bench/sql/webhook-claim.ts [pending=100000]
// (DATABASE_URL: use that Postgres; BASELINE: see databases.ts)
/**
 * The webhook outbox drained straight through SQL, before and after the migrations from BASELINE
 * on: `pending` deliveries queued over 3 endpoints and 150 products, then claimed and finished as
 * a worker would (32 keys a claim; `per_key` 20 where the claim takes runs) until none is left.
 * Reports deliveries per second, the backend's CPU per delivery (/proc/<pid>/schedstat, so other
 * load on the machine does not count) and the plan of the first claim, at full depth.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { deliveredResults, scratchDatabases } from './databases.js';

const pending = Number(process.argv[2] ?? 100_000);
const ENDPOINTS = 3;
const PRODUCTS = 150;
const KEYS_PER_CLAIM = 32;
const PER_KEY = 20;

async function cpuNs(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]);
}

async function fill(client: pg.Client): Promise<void> {
  await client.query(`
    insert into public.webhook_endpoints (url, events, secret)
    select 'http://receiver.invalid/' || i, '{stock.changed}', 'whsec_bench'
      from generate_series(1, ${ENDPOINTS}) i`);
  // As the trigger queues them: one row per event and endpoint, events in ledger order.
  await client.query(`
    insert into public.webhook_deliveries (endpoint_id, message_id, event_type, product_id, payload)
    select e.id, 'msg_' || g || '_' || e.id, 'stock.changed', 'P' || (g % ${PRODUCTS}),
           jsonb_build_object('type', 'stock.changed', 'data', jsonb_build_object('n', g))
      from generate_series(1, ${Math.ceil(pending / ENDPOINTS)}) g
     cross join public.webhook_endpoints e
     order by g, e.id`);
  await client.query('analyze public.webhook_deliveries');
}

/** Whether the claim takes runs per key (the four-argument function). */
async function claimsRuns(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::int as n from pg_proc where proname = 'claim_webhook_deliveries' and pronargs = 4`,
  );
  return rows[0]!.n > 0;
}

const claimSql = (runs: boolean) =>
  runs
    ? `select public.claim_webhook_deliveries('bench', ${KEYS_PER_CLAIM}, ${PER_KEY}, 60) as c`
    : `select public.claim_webhook_deliveries('bench', ${KEYS_PER_CLAIM}, 60) as c`;

interface Claimed {
  deliveries: { delivery_id: number; attempt_id: number }[];
}

async function drain(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fill(client);
    const runs = await claimsRuns(client);
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `explain (analyze, buffers, format text) ${claimSql(runs)}`,
    );
    await client.query(
      `update public.webhook_deliveries set claimed_by = null, claimed_until = null, attempts = 0`,
    );
    await client.query(`delete from public.webhook_attempts`);
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const pid = rows[0]!.pid;
    const cpuBefore = await cpuNs(pid);
    const started = performance.now();
    let delivered = 0;
    let claims = 0;
    for (;;) {
      const claim = await client.query<{ c: Claimed }>(claimSql(runs));
      const got = claim.rows[0]!.c.deliveries;
      if (got.length === 0) break;
      claims++;
      const results = deliveredResults(got);
      await client.query(`select public.finish_webhook_attempts('bench', $1, 86400)`, [
        JSON.stringify(results),
      ]);
      delivered += got.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = ((await cpuNs(pid)) - cpuBefore) / 1e6;
    const depth = await client.query('select public.webhook_queue_stats() as s').then(
      (r) => r.rows[0] as unknown,
      () => 'no webhook_queue_stats',
    );
    return {
      claim: runs ? `runs of up to ${PER_KEY} per key` : 'one delivery per key',
      delivered,
      claims,
      deliveries_per_s: Math.round(delivered / seconds),
      backend_cpu_ms_per_delivery: Number((cpuMs / delivered).toFixed(3)),
      left: depth,
      first_claim_plan: plan.rows.map((r) => r['QUERY PLAN']).join('\n'),
    };
  } finally {
    await client.end();
  }
}

const dbs = await scratchDatabases();
try {
  for (const [name, url] of [
    ['before', dbs.before],
    ['after', dbs.after],
  ] as const) {
    const r = await drain(url);
    console.log(`## ${name}: ${r.claim}`);
    console.log(JSON.stringify({ ...r, first_claim_plan: undefined, left: r.left }, null, 2));
    console.log(r.first_claim_plan);
  }
} finally {
  await dbs.stop();
}
