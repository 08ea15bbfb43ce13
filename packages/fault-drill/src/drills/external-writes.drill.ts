import { randomUUID } from 'node:crypto';
import { withClient } from '@stockwire/local-stack';
import type { Cluster } from '../cluster.js';
import { waitForConvergence } from '../convergence.js';
import { health } from '../store-health.js';
import {
  applyAsService,
  auditWrites,
  createProduct,
  startWrites,
  type WriteAudit,
  type WriteRecord,
} from '../writes.js';
import { check, crashed, seconds, sleep, type Drill } from './drill.js';

/** Changes made outside the stores during the run, each way. */
const DIRECT_UPDATES = 24;
const RPC_CALLS = 8;
/** After this many direct updates, the stores' database listeners are cut. */
const CUT_AFTER = 12;

export interface ExternalWritesReport {
  /** The stores' own stream of writes meanwhile. */
  writes: WriteAudit;
  /** Direct SQL UPDATEs, and the `external` ledger rows the database wrote for them. */
  direct: { made: number; ledgered: number };
  /** rpc/apply_stock_changes calls through the database API as another service, and their rows. */
  rpc: { made: number; ledgered: number };
  /** Per direct update, from its commit until every store served its version, in ms. */
  seenMs: number[];
  /** Direct updates some store did not serve within 5 s. */
  unseen: number;
  /** Listener connections ended in the middle of the run. */
  listenersCut: number;
  /** From the end of all writes until every cache equalled the database. */
  convergedMs: number;
  health: Array<{ store: string; mode: string; relayed: number; reconnects: number }>;
  crashed: string[];
}

/** The version every store serves for a row, the lowest of them (0 where one does not have it). */
async function servedVersion(cluster: Cluster, id: string, location: string): Promise<number> {
  const versions = await Promise.all(
    cluster.stores.map(async (s) => {
      const res = await fetch(`${s.url}/inventory/${id}`).catch(() => null);
      if (res?.status !== 200) return 0;
      const view = (await res.json()) as { locations?: Record<string, { version: number }> };
      return view.locations?.[location]?.version ?? 0;
    }),
  );
  return Math.min(...versions);
}

/**
 * While every store writes, changes stock outside them: direct SQL UPDATEs and rpc calls of
 * another service through the database API; halfway, every store's database listener is cut.
 * Checks that each change reaches every store, is ledgered, and that every cache converges.
 */
export async function externalWrites(cluster: Cluster): Promise<ExternalWritesReport> {
  const { stores, databaseUrl, gateway, serviceRoleKey } = cluster;
  const products = [await createProduct(stores), await createProduct(stores)];
  await waitForConvergence(stores, databaseUrl);
  const fromId = await withClient(databaseUrl, async (db) => {
    const { rows } = await db.query<{ id: string | null }>(
      'select max(id)::text as id from public.inventory_events',
    );
    return Number(rows[0]?.id ?? 0);
  });
  const rpcIds: string[] = [];
  const seenMs: number[] = [];
  let unseen = 0;
  let listenersCut = 0;
  const stream = startWrites(stores, products);
  let records: WriteRecord[];
  try {
    await withClient(databaseUrl, async (db) => {
      for (let i = 0; i < DIRECT_UPDATES; i++) {
        const id = products[i % products.length]!;
        const location = stores[i % stores.length]!.name;
        if (i === CUT_AFTER) {
          const { rowCount } = await db.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
              where application_name like 'stockwire-listener %' and datname = current_database()`,
          );
          listenersCut = rowCount ?? 0;
        }
        const { rows } = await db.query<{ version: string }>(
          `update public.stock_levels set on_hand = on_hand + 2
            where product_id = $1 and location = $2 returning version`,
          [id, location],
        );
        const committed = Date.now();
        const version = Number(rows[0]!.version);
        while ((await servedVersion(cluster, id, location)) < version) {
          if (Date.now() - committed > 5000) break;
          await sleep(5);
        }
        const took = Date.now() - committed;
        if (took > 5000) unseen++;
        else seenMs.push(took);

        if (i % 3 === 0 && rpcIds.length < RPC_CALLS) {
          const requestId = `drill-service-${randomUUID()}`;
          rpcIds.push(requestId);
          await applyAsService(gateway.url, serviceRoleKey, [
            {
              product_id: id,
              location,
              change: 1,
              update_type: 'restock',
              store: 'warehouse-app',
              request_id: requestId,
            },
          ]);
        }
        await sleep(40);
      }
    });
  } finally {
    records = await stream.stop();
  }
  const stopped = Date.now();
  await waitForConvergence(stores, databaseUrl);
  const convergedMs = Date.now() - stopped;
  const ledgered = await withClient(databaseUrl, async (db) => {
    const { rows } = await db.query<{ direct: string; rpc: string }>(
      `select count(*) filter (where update_type = 'external')::text as direct,
              count(*) filter (where request_id = any($2::text[]))::text as rpc
         from public.inventory_events where id > $1`,
      [fromId, rpcIds],
    );
    return { direct: Number(rows[0]!.direct), rpc: Number(rows[0]!.rpc) };
  });
  const now = await Promise.all(stores.map(health));
  return {
    writes: await auditWrites(databaseUrl, records),
    direct: { made: DIRECT_UPDATES, ledgered: ledgered.direct },
    rpc: { made: rpcIds.length, ledgered: ledgered.rpc },
    seenMs,
    unseen,
    listenersCut,
    convergedMs,
    health: now.map((h, i) => ({
      store: stores[i]!.name,
      mode: h.external_writes,
      relayed: h.listener.relayed,
      reconnects: h.listener.reconnects,
    })),
    crashed: crashed(cluster),
  };
}

/** The `q` quantile of `xs`, in whole ms; `-` for none. */
function quantile(xs: number[], q: number): string {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0
    ? '-'
    : String(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}

export const externalDrill: Drill = {
  what: () =>
    'stock is changed outside the stores (SQL UPDATE, another service’s rpc) during writes; the listeners are cut halfway',
  async run(cluster) {
    const report = await externalWrites(cluster);
    const problems: string[] = [];
    check(problems, report.writes.lost === 0, `${report.writes.lost} acknowledged write(s) lost`);
    check(
      problems,
      report.direct.ledgered === report.direct.made,
      `${report.direct.made} direct updates, ${report.direct.ledgered} external ledger rows`,
    );
    check(
      problems,
      report.rpc.ledgered === report.rpc.made,
      `${report.rpc.made} rpc calls, ${report.rpc.ledgered} ledger rows`,
    );
    check(problems, report.unseen === 0, `${report.unseen} direct update(s) not served everywhere`);
    check(problems, report.listenersCut > 0, 'no listener connection was found to cut');
    for (const h of report.health) {
      check(problems, h.mode === 'listen', `${h.store} is not listening again (${h.mode})`);
    }
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `${report.direct.made} direct UPDATEs served by every store: p50 ${quantile(report.seenMs, 0.5)} ms, max ${quantile(report.seenMs, 1)} ms after commit`,
        `${report.rpc.made} rpc calls of another service, ${report.rpc.ledgered} ledgered; ${report.direct.ledgered} external ledger rows`,
        `${report.listenersCut} listener connections cut; relayed per store: ${report.health.map((h) => `${h.store} ${h.relayed}`).join(', ')}`,
        `caches equal to the database ${seconds(report.convergedMs)} after the writes stopped`,
        `${report.writes.acknowledged} store writes acknowledged meanwhile, ${report.writes.lost} lost`,
      ],
    };
  },
};
