import type { Cluster } from '../cluster.js';
import { waitForConvergence } from '../convergence.js';
import { health, type StoreHealth } from '../store-health.js';
import {
  auditWrites,
  createProduct,
  startWrites,
  write,
  type WriteAudit,
  type WriteRecord,
} from '../writes.js';
import { check, crashed, seconds, sleep, until, type Drill } from './drill.js';

export interface RedisOutageReport {
  outageMs: number;
  writes: WriteAudit;
  /** What each store said while Redis was away. */
  during: Array<{
    store: string;
    readStatus: number;
    /** The `X-Stockwire-Stale` header of a read from the cache. */
    staleHeader: string | null;
    health: Pick<StoreHealth, 'status' | 'redis' | 'stale'>;
  }>;
  /** From Redis's return until every cache equals the database. */
  convergedMs: number;
  after: Array<{ store: string; resyncs: number; stale: boolean; outbox: StoreHealth['outbox'] }>;
  /** A change made after the recovery reached every store. */
  liveAfterwards: boolean;
  crashed: string[];
}

/**
 * Redis goes away for `outageMs` while every store keeps selling and restocking, then comes back.
 * Writes must all succeed, reads must be served and marked stale, and afterwards every cache must
 * equal the database.
 */
export async function redisOutage(cluster: Cluster, outageMs = 3000): Promise<RedisOutageReport> {
  const { stores, databaseUrl } = cluster;
  const products = [await createProduct(stores), await createProduct(stores)];
  await waitForConvergence(stores, databaseUrl);
  const stream = startWrites(stores, products);
  await sleep(500);

  const during: RedisOutageReport['during'] = [];
  let records: WriteRecord[];
  await cluster.redis.stop({ kill: true });
  try {
    const wentAway = Date.now();
    await until(
      async () => (await Promise.all(stores.map(health))).every((h) => h.redis === 'down'),
      'every store to notice Redis is down',
    );
    for (const store of stores) {
      const res = await fetch(`${store.url}/inventory/${products[0]}`);
      await res.body?.cancel();
      const h = await health(store);
      during.push({
        store: store.name,
        readStatus: res.status,
        staleHeader: res.headers.get('x-stockwire-stale'),
        health: { status: h.status, redis: h.redis, stale: h.stale },
      });
    }
    await sleep(Math.max(0, outageMs - (Date.now() - wentAway)));
  } finally {
    records = await stream.stop();
    await cluster.redis.start();
  }
  const convergedMs = await waitForConvergence(stores, databaseUrl);
  // A store may have caught up through its digest check before its own resync ran.
  await until(
    async () =>
      (await Promise.all(stores.map(health))).every((h) => h.outbox.queued === 0 && !h.stale),
    'every store to resync and empty its outbox',
  );
  const after = await Promise.all(
    stores.map(async (s) => {
      const h = await health(s);
      return { store: s.name, resyncs: h.resyncs, stale: h.stale, outbox: h.outbox };
    }),
  );
  const last = await write(stores[0]!, products[0]!, 1);
  const liveAfterwards =
    last.status === 200 && (await waitForConvergence(stores, databaseUrl).then(() => true));
  return {
    outageMs,
    writes: await auditWrites(databaseUrl, [...records, last]),
    during,
    convergedMs,
    after,
    liveAfterwards,
    crashed: crashed(cluster),
  };
}

export const redisDrill: Drill = {
  what: ({ outageMs }) =>
    `Redis is killed for ${seconds(outageMs)} during a stream of writes, then restarted`,
  async run(cluster, { outageMs }) {
    const report = await redisOutage(cluster, outageMs);
    const problems: string[] = [];
    const w = report.writes;
    check(
      problems,
      w.acknowledged === w.attempted,
      `${w.attempted - w.acknowledged} write(s) failed`,
    );
    check(problems, w.lost === 0, `${w.lost} acknowledged write(s) not in the ledger`);
    for (const d of report.during) {
      check(problems, d.readStatus === 200, `${d.store}: a read answered ${d.readStatus}`);
      check(problems, d.staleHeader === 'true', `${d.store}: a read was not marked stale`);
    }
    check(problems, report.liveAfterwards, 'changes did not flow again afterwards');
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `${w.acknowledged}/${w.attempted} writes acknowledged, ${w.lost} lost`,
        `reads while down: ${report.during.map((d) => `${d.readStatus} stale=${d.staleHeader}`).join(', ')}`,
        `every cache equal to the database ${seconds(report.convergedMs)} after Redis returned`,
        `held publishes sent afterwards: ${report.after.map((a) => `${a.store} ${a.outbox.republished}`).join(', ')}`,
      ],
    };
  },
};
