import { pictureDifferences, SocketWatcher } from '../clients.js';
import type { Cluster } from '../cluster.js';
import { databaseInventory, waitForConvergence } from '../convergence.js';
import type { Exit, StoreProcess } from '../store-process.js';
import { auditWrites, createProduct, startWrites, type WriteAudit } from '../writes.js';
import { check, crashed, seconds, sleep, until, type Drill } from './drill.js';

export interface CrashReport {
  victim: string;
  victimExit: Exit;
  writes: WriteAudit;
  /** From spawning the store again until `GET /ready` said 200. */
  readyMs: number;
  /** From ready until every cache equals the database (writes stopped). */
  convergedMs: number;
  /** What the clients of the other stores saw. */
  survivors: Array<{
    store: string;
    disconnects: string[];
    snapshots: number;
    updates: number;
    /** Rows where the client's picture ended up different from the database: must be none. */
    differences: string[];
  }>;
  crashed: string[];
}

/**
 * Kills one store with SIGKILL while every store is writing, starts it again, and checks that it
 * catches up and that the other stores' live clients carried on undisturbed.
 */
export async function crashAndRestart(
  cluster: Cluster,
  victim: StoreProcess = cluster.stores.at(-1)!,
): Promise<CrashReport> {
  const { stores, databaseUrl } = cluster;
  const products = [await createProduct(stores), await createProduct(stores)];
  await waitForConvergence(stores, databaseUrl);
  const others = stores.filter((s) => s !== victim);
  const watchers = await Promise.all(others.map((s) => SocketWatcher.connect(s.url)));
  try {
    const stream = startWrites(stores, products);
    await sleep(700);
    victim.signal('SIGKILL');
    const victimExit = await victim.waitForExit();
    await sleep(1000);
    const spawned = Date.now();
    await victim.start();
    const readyMs = Date.now() - spawned;
    await sleep(700);
    const records = await stream.stop();
    const ready = Date.now();
    await waitForConvergence(stores, databaseUrl);
    const convergedMs = Date.now() - ready;

    const truth = await databaseInventory(databaseUrl);
    // Clients hear of the last changes a moment after the caches have them.
    await until(
      () =>
        Promise.resolve(
          watchers.every((w) => pictureDifferences(w.picture, truth, products).length === 0),
        ),
      'the survivors’ clients to show the database',
      10_000,
    ).catch(() => {});
    return {
      victim: victim.name,
      victimExit,
      writes: await auditWrites(databaseUrl, records),
      readyMs,
      convergedMs,
      survivors: watchers.map((w, i) => ({
        store: others[i]!.name,
        disconnects: [...w.disconnects],
        snapshots: w.snapshots,
        updates: w.updates.filter((u) => products.includes(u.product_id)).length,
        differences: pictureDifferences(w.picture, truth, products),
      })),
      crashed: crashed(cluster),
    };
  } finally {
    watchers.forEach((w) => w.close());
    if (!victim.running) await victim.start();
  }
}

export const crashDrill: Drill = {
  what: () => 'a store is killed (SIGKILL) during writes, then started again',
  async run(cluster) {
    const report = await crashAndRestart(cluster);
    const problems: string[] = [];
    check(problems, report.writes.lost === 0, `${report.writes.lost} acknowledged write(s) lost`);
    for (const c of report.survivors) {
      check(problems, c.disconnects.length === 0, `${c.store}: a client was disconnected`);
      check(problems, c.differences.length === 0, `${c.store}: a client shows ${c.differences[0]}`);
    }
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `${report.victim} ready ${seconds(report.readyMs)} after it was started again`,
        `caches equal to the database ${seconds(report.convergedMs)} after the writes stopped`,
        `${report.writes.acknowledged} writes acknowledged, ${report.writes.lost} lost, ${report.writes.committedUnanswered} committed without an answer`,
        `clients of the others: ${report.survivors.map((c) => `${c.store} ${c.updates} updates, ${c.disconnects.length} disconnects`).join('; ')}`,
      ],
    };
  },
};
