import { randomUUID } from 'node:crypto';
import type { Cluster } from '../cluster.js';
import { divergence, waitForConvergence } from '../convergence.js';
import { BusTap, changeSilently, forgedChange, forgedProduct, rowVersion } from '../messages.js';
import { health } from '../store-health.js';
import { createProduct, write } from '../writes.js';
import { check, crashed, seconds, sleep, type Drill } from './drill.js';

export interface MessageChaosReport {
  /** Old versions and duplicates republished: no cache changed, no repair was needed. */
  duplicates: { republished: number; divergedAfter: number; repairsNeeded: number };
  /** Versions committed but never published, then a change that reveals the gap. */
  revealedLossConvergedMs: number;
  /** A version committed but never published, and nothing after it: only the digest can tell. */
  silentLossConvergedMs: number;
  /** A forged next version, a forged far-ahead version, a phantom product, garbage. */
  forgeryConvergedMs: number;
  /** Per store, what the repairs took. */
  health: Array<{
    store: string;
    refetches: number;
    repairs: number;
    audits: number;
    invalid: number;
  }>;
  crashed: string[];
}

/**
 * Loses, duplicates and forges messages on `inventory_updates` directly, and checks that every
 * cache converges to the database regardless.
 */
export async function messageChaos(cluster: Cluster): Promise<MessageChaosReport> {
  const { stores, databaseUrl } = cluster;
  const [main, downtown] = [stores[0]!, stores[1]!];
  const tap = await BusTap.open(cluster.redis.url);
  try {
    const id = await createProduct(stores);
    for (const change of [-1, -1, 1] as const) await write(main, id, change);
    await waitForConvergence(stores, databaseUrl);

    // Duplicates and old versions, in the worst order.
    const before = await Promise.all(stores.map(health));
    const heard = tap.changesOf(id);
    let republished = 0;
    for (let round = 0; round < 3; round++) {
      for (const message of [...heard].reverse()) {
        await tap.publish(message);
        republished++;
      }
    }
    await sleep(300);
    const divergedAfter = (await divergence(stores, databaseUrl)).length;
    const afterDuplicates = await Promise.all(stores.map(health));
    const repairsNeeded = afterDuplicates.reduce(
      (n, h, i) => n + h.sync.repairs - before[i]!.sync.repairs,
      0,
    );

    // Lost versions, then a published one that skips them.
    await changeSilently(databaseUrl, id, main.name, -1);
    await changeSilently(databaseUrl, id, main.name, -1);
    let started = Date.now();
    await write(main, id, 1);
    await waitForConvergence(stores, databaseUrl);
    const revealedLossConvergedMs = Date.now() - started;

    // A lost version that nothing reveals.
    started = Date.now();
    await changeSilently(databaseUrl, id, downtown.name, -1);
    await waitForConvergence(stores, databaseUrl);
    const silentLossConvergedMs = Date.now() - started;

    // Forgeries.
    started = Date.now();
    const version = await rowVersion(databaseUrl, id, main.name);
    await tap.publish(forgedChange(id, main.name, version + 1, 999_999));
    await tap.publish(forgedChange(id, downtown.name, version + 40, 0));
    await tap.publish(forgedProduct(`PHANTOM${randomUUID().slice(0, 6).toUpperCase()}`, main.name));
    await tap.publish('not json at all');
    await tap.publish(JSON.stringify({ type: 'stock_changed', product_id: id, version: -3 }));
    await waitForConvergence(stores, databaseUrl);
    const forgeryConvergedMs = Date.now() - started;

    const now = await Promise.all(stores.map(health));
    return {
      duplicates: { republished, divergedAfter, repairsNeeded },
      revealedLossConvergedMs,
      silentLossConvergedMs,
      forgeryConvergedMs,
      health: now.map((h, i) => ({
        store: stores[i]!.name,
        refetches: h.sync.refetches,
        repairs: h.sync.repairs,
        audits: h.digest.audits,
        invalid: h.pubsub.invalid,
      })),
      crashed: crashed(cluster),
    };
  } finally {
    tap.close();
  }
}

export const messagesDrill: Drill = {
  what: () => 'messages are lost, duplicated, replayed and forged on inventory_updates',
  async run(cluster) {
    const report = await messageChaos(cluster);
    const problems: string[] = [];
    check(problems, report.duplicates.divergedAfter === 0, 'a duplicate changed a cache');
    check(problems, report.duplicates.repairsNeeded === 0, 'duplicates needed repairs');
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `${report.duplicates.republished} duplicates and old versions ignored`,
        `lost versions revealed by the next change: converged in ${seconds(report.revealedLossConvergedMs)}`,
        `a lost version nothing reveals (digest check): converged in ${seconds(report.silentLossConvergedMs)}`,
        `forged versions, a phantom product and garbage: converged in ${seconds(report.forgeryConvergedMs)}`,
        `repairs per store: ${report.health.map((h) => `${h.store} ${h.repairs}`).join(', ')}`,
      ],
    };
  },
};
