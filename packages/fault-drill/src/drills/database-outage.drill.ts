import { withClient } from '@stockwire/local-stack';
import type { Cluster } from '../cluster.js';
import { waitForConvergence } from '../convergence.js';
import { AUTHORIZATION } from '../credentials.js';
import { health, type StoreHealth } from '../store-health.js';
import { createProduct, write } from '../writes.js';
import { check, crashed, seconds, until, type Drill } from './drill.js';

export interface DatabaseOutageReport {
  /** What each store answered while the database gateway was down. */
  during: Array<{
    store: string;
    write: { status: number; code?: string; message?: string; retryAfter: string | null };
    create: { status: number; code?: string };
    read: { status: number; unchanged: boolean };
    health: Pick<StoreHealth, 'status' | 'database'>;
  }>;
  /** Ledger rows and stock rows written while it was down: must be none. */
  writtenDuringOutage: number;
  /** From the gateway's return until every store accepted a write again. */
  recoveredMs: number;
  convergedMs: number;
  crashed: string[];
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Takes the database API away (the gateway in front of PostgREST stops), then brings it back:
 * writes must be refused with 503 and leave nothing behind, reads must go on, and stores must
 * accept writes again once it is back.
 */
export async function databaseOutage(cluster: Cluster): Promise<DatabaseOutageReport> {
  const { stores, databaseUrl } = cluster;
  const id = await createProduct(stores);
  await waitForConvergence(stores, databaseUrl);
  const fingerprint = () =>
    withClient(databaseUrl, async (db) => {
      const { rows } = await db.query<{ events: string; rows: string }>(
        `select (select count(*) from public.inventory_events where product_id = $1) as events,
                (select string_agg(location || ':' || on_hand || '@' || version, ',' order by location)
                   from public.stock_levels where product_id = $1) as rows`,
        [id],
      );
      return JSON.stringify(rows[0]);
    });
  const views = await Promise.all(
    stores.map((s) => fetch(`${s.url}/inventory/${id}`).then((r) => r.text())),
  );
  const beforeOutage = await fingerprint();

  const during: DatabaseOutageReport['during'] = [];
  let writtenDuringOutage: number;
  await cluster.gateway.stop();
  try {
    for (const [i, store] of stores.entries()) {
      const writeRes = await fetch(`${store.url}/inventory/${id}/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTHORIZATION },
        body: JSON.stringify({ change: -1, update_type: 'sale' }),
      });
      const writeBody = (await writeRes.json()) as ErrorBody;
      const createRes = await fetch(`${store.url}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTHORIZATION },
        body: JSON.stringify({ name: 'Made during the outage', stock: { [store.name]: 1 } }),
      });
      const createBody = (await createRes.json()) as ErrorBody;
      const readRes = await fetch(`${store.url}/inventory/${id}`);
      const read = await readRes.text();
      const h = await health(store);
      during.push({
        store: store.name,
        write: {
          status: writeRes.status,
          code: writeBody.error?.code,
          message: writeBody.error?.message,
          retryAfter: writeRes.headers.get('retry-after'),
        },
        create: { status: createRes.status, code: createBody.error?.code },
        read: { status: readRes.status, unchanged: read === views[i] },
        health: { status: h.status, database: h.database },
      });
    }
    writtenDuringOutage = (await fingerprint()) === beforeOutage ? 0 : 1;
  } finally {
    await cluster.gateway.start();
  }
  const back = Date.now();
  for (const store of stores) {
    await until(async () => (await write(store, id, 1)).status === 200, `${store.name} to write`);
  }
  const recoveredMs = Date.now() - back;
  const convergedMs = await waitForConvergence(stores, databaseUrl);
  return { during, writtenDuringOutage, recoveredMs, convergedMs, crashed: crashed(cluster) };
}

export const databaseDrill: Drill = {
  what: () => 'the database gateway stops, then returns',
  async run(cluster) {
    const report = await databaseOutage(cluster);
    const problems: string[] = [];
    for (const d of report.during) {
      check(problems, d.write.status === 503, `${d.store}: a write answered ${d.write.status}`);
      check(problems, d.create.status === 503, `${d.store}: a create answered ${d.create.status}`);
      check(problems, d.read.status === 200 && d.read.unchanged, `${d.store}: reads not served`);
      check(problems, d.health.database === 'down', `${d.store}: /health did not say so`);
    }
    check(problems, report.writtenDuringOutage === 0, 'something was written during the outage');
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `writes ${report.during.map((d) => d.write.status).join('/')}, reads ${report.during.map((d) => d.read.status).join('/')} while down`,
        `writes accepted at every store ${seconds(report.recoveredMs)} after the gateway returned`,
        `caches equal the database ${seconds(report.convergedMs)} later`,
      ],
    };
  },
};
