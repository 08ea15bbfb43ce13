import { Redis } from 'ioredis';
import type { Cluster } from '../cluster.js';
import { waitForConvergence } from '../convergence.js';
import {
  auditOrders,
  startOrderStream,
  type OrderEntry,
  type OrderStreamAudit,
} from '../orders.js';
import { createProduct } from '../writes.js';
import { check, crashed, seconds, sleep, until, type Drill } from './drill.js';

export interface RedisRestartReport {
  downMs: number;
  /** Orders added to the restarted Redis before any store could reach it. */
  staged: number;
  /** Whether the consumer group was missing when they were added (Redis had lost it). */
  groupMissingWhenStaged: boolean;
  orders: OrderStreamAudit;
  /** Entries left unacknowledged in the group at the end: must be 0. */
  pendingAfter: number;
  /** From Redis's return until every cache equals the database. */
  convergedMs: number;
  crashed: string[];
}

/** Whether `order_validate` at `url` has no consumer group (or no stream). */
async function groupMissing(url: string): Promise<boolean> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0 });
  try {
    const groups = (await redis.xinfo('GROUPS', 'order_validate').catch(() => [])) as unknown[];
    return groups.length === 0;
  } finally {
    redis.disconnect();
  }
}

async function pending(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0 });
  try {
    const [count] = (await redis.xpending('order_validate', 'stockwire')) as [number];
    return count;
  } finally {
    redis.disconnect();
  }
}

/**
 * Redis is killed while a back-office system keeps adding `order_validate` entries, and comes
 * back empty (no persistence, as in Compose): no stream, no consumer group. Before any store can
 * reach it, orders are added to it; then the stores find it again. No store is restarted. Every
 * entry added from then on must be answered exactly once, and applied exactly once.
 */
export async function redisRestart(cluster: Cluster, downMs = 1000): Promise<RedisRestartReport> {
  const { stores, databaseUrl } = cluster;
  const productId = await createProduct(stores);
  const stream = startOrderStream(cluster.redis.url, productId, stores[0]!.name);
  let staged: OrderEntry[] = [];
  let groupMissingWhenStaged = false;
  let killedAt = 0;
  let returnedAt = 0;
  try {
    await until(() => Promise.resolve(stream.answers.length >= 20), 'the stores to answer orders');
    await cluster.redis.stop({ kill: true });
    killedAt = Date.now();
    await sleep(downMs);
    await cluster.redis.start({
      before: async (url) => {
        staged = await stream.stage(url, 10);
        groupMissingWhenStaged = await groupMissing(url);
      },
    });
    returnedAt = Date.now();
    await sleep(2000); // orders keep coming after the return
    await stream.stopAdding();
    const mustAnswer = new Set(
      stream.added.filter((e) => e.addedAt >= killedAt).map((e) => e.orderId),
    );
    await until(async () => {
      const answered = new Set(stream.answers.map((a) => a.orderId));
      return (
        [...mustAnswer].every((id) => answered.has(id)) && (await pending(cluster.redis.url)) === 0
      );
    }, 'every order added since Redis returned to be answered');
  } finally {
    await stream.close();
    if (killedAt > 0 && returnedAt === 0) await cluster.redis.start();
  }
  const orders = await auditOrders(stream, databaseUrl, { killedAt, returnedAt, staged });
  return {
    downMs,
    staged: staged.length,
    groupMissingWhenStaged,
    orders,
    pendingAfter: await pending(cluster.redis.url),
    convergedMs: await waitForConvergence(stores, databaseUrl),
    crashed: crashed(cluster),
  };
}

export const redisRestartDrill: Drill = {
  what: () =>
    'Redis is killed under a stream of order_validate entries and returns empty (no persistence)',
  async run(cluster) {
    const report = await redisRestart(cluster);
    const o = report.orders;
    const problems: string[] = [];
    check(problems, report.groupMissingWhenStaged, 'the restarted Redis still had the group');
    check(problems, o.unanswered.length === 0, `${o.unanswered.length} order(s) never answered`);
    check(problems, o.answeredTwice.length === 0, `${o.answeredTwice.length} answered twice`);
    check(problems, o.slowestAnswerMs <= 5000, `an answer took ${seconds(o.slowestAnswerMs)}`);
    check(problems, o.answeredNotApplied.length === 0, 'successful answers not in the database');
    check(problems, o.appliedNotAdded.length === 0, 'orders applied that were never sent');
    check(problems, o.ledgeredTwice.length === 0, 'orders whose stock moved twice');
    check(problems, report.pendingAfter === 0, `${report.pendingAfter} entries left pending`);
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `${o.added} orders added, ${o.addedSince} after Redis returned (${report.staged} before any store could reach it)`,
        `every one of those answered once; slowest ${seconds(o.slowestAnswerMs)} after Redis returned or it was added`,
        `unanswered because Redis forgot them (added before the kill): ${o.forgottenByRedis}; applied in the database: ${o.applied}, none twice`,
        `every cache equal to the database ${seconds(report.convergedMs)} afterwards`,
      ],
    };
  },
};
