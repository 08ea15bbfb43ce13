import { randomUUID } from 'node:crypto';
import { withClient } from '@stockwire/local-stack';
import { Redis } from 'ioredis';

/** The streams a back-office system speaks to the stores (`apps/api/src/queues/order.streams.ts`). */
const ORDERS = 'order_validate';
const RESPONSES = 'order_validate_response';

/** One `order_validate` entry that Redis took, and when its XADD was answered. */
export interface OrderEntry {
  orderId: string;
  addedAt: number;
}

/** One answer read from `order_validate_response`, and when it was read. */
export interface OrderAnswer {
  orderId: string;
  success: boolean;
  at: number;
}

/**
 * A back-office system sending orders of one unit: it keeps adding `order_validate` entries, an
 * entry Redis refuses is sent again (same order id) until Redis takes it, and it reads every
 * answer on `order_validate_response` as it comes.
 */
export interface OrderStream {
  /** What every order id of this stream starts with. */
  readonly prefix: string;
  readonly productId: string;
  readonly added: readonly OrderEntry[];
  readonly answers: readonly OrderAnswer[];
  /** Adds `count` orders to the Redis at `url` directly (one no store can reach yet). */
  stage(url: string, count: number): Promise<OrderEntry[]>;
  /** Stops adding entries; answers are still read until {@link close}. */
  stopAdding(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const orderEntry = (orderId: string, productId: string, location: string) =>
  JSON.stringify({ order_id: orderId, product_id: productId, quantity: 1, warehouse: location });

/** Starts sending orders of `productId` at `location`, one every `pauseMs`. */
export function startOrderStream(
  redisUrl: string,
  productId: string,
  location: string,
  { pauseMs = 20 } = {},
): OrderStream {
  const prefix = `drill-order-${randomUUID().slice(0, 8)}`;
  // Fail at once while Redis is away, as a producer that retries by itself would see it.
  const fast = { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 };
  const producer = new Redis(redisUrl, fast);
  const reader = new Redis(redisUrl, fast);
  producer.on('error', () => {});
  reader.on('error', () => {});
  const added: OrderEntry[] = [];
  const answers: OrderAnswer[] = [];
  const seen = new Set<string>();
  let adding = true;
  let reading = true;
  let next = 0;

  const producing = (async () => {
    while (adding) {
      const orderId = `${prefix}-${next}`;
      try {
        await producer.xadd(ORDERS, '*', 'data', orderEntry(orderId, productId, location));
        added.push({ orderId, addedAt: Date.now() });
        next++;
        await sleep(pauseMs);
      } catch {
        await sleep(50);
      }
    }
  })();

  const readingDone = (async () => {
    let last = '0-0';
    while (reading) {
      try {
        const read = await reader.xread('COUNT', 500, 'BLOCK', 200, 'STREAMS', RESPONSES, last);
        for (const [id, fields] of read?.[0]?.[1] ?? []) {
          last = id;
          // After Redis lost its data the stream starts again, and is read again from its start.
          if (seen.has(id)) continue;
          seen.add(id);
          const at = fields.indexOf('data');
          const answer = JSON.parse(fields[at + 1] ?? '{}') as {
            order_id?: string;
            success?: boolean;
          };
          if (answer.order_id?.startsWith(prefix)) {
            answers.push({
              orderId: answer.order_id,
              success: answer.success === true,
              at: Date.now(),
            });
          }
        }
      } catch {
        last = '0-0';
        await sleep(50);
      }
    }
  })();

  return {
    prefix,
    productId,
    added,
    answers,
    async stage(url, count) {
      const staging = new Redis(url, { maxRetriesPerRequest: 0 });
      try {
        const staged: OrderEntry[] = [];
        for (let i = 0; i < count; i++) {
          const orderId = `${prefix}-staged-${i}`;
          await staging.xadd(ORDERS, '*', 'data', orderEntry(orderId, productId, location));
          staged.push({ orderId, addedAt: Date.now() });
        }
        added.push(...staged);
        return staged;
      } finally {
        staging.disconnect();
      }
    },
    async stopAdding() {
      adding = false;
      await producing;
    },
    async close() {
      adding = false;
      reading = false;
      await Promise.all([producing, readingDone]);
      producer.disconnect();
      reader.disconnect();
    },
  };
}

/** What became of the orders of an {@link OrderStream} around a Redis restart. */
export interface OrderStreamAudit {
  /** Entries Redis took in all. */
  added: number;
  /** Entries added after Redis returned (or staged in it before any store could reach it). */
  addedSince: number;
  /** Of those, the ones never answered: must be none. */
  unanswered: string[];
  /** Orders answered more than once: must be none. */
  answeredTwice: string[];
  /** Answers that said the order failed. */
  failed: number;
  /** Entries added before Redis went away and never answered: Redis forgot them. */
  forgottenByRedis: number;
  /** The longest wait of an entry added since for its answer, counted from Redis's return at most. */
  slowestAnswerMs: number;
  /** Orders applied in the database (the `orders` table), each exactly once by its key. */
  applied: number;
  /** Orders answered with success but not in the database: must be none. */
  answeredNotApplied: string[];
  /** Orders in the database no entry was added for: must be none. */
  appliedNotAdded: string[];
  /** Orders whose stock moved more than once in the ledger: must be none. */
  ledgeredTwice: string[];
}

/**
 * Audits `stream` against the database: every entry added at or after `since` (when the
 * restarted Redis was reachable again, staged entries included) must be answered exactly once;
 * none may be answered twice; every success must be applied, and nothing applied that was not sent.
 */
export async function auditOrders(
  stream: OrderStream,
  databaseUrl: string,
  since: { killedAt: number; returnedAt: number; staged: readonly OrderEntry[] },
): Promise<OrderStreamAudit> {
  const staged = new Set(since.staged.map((e) => e.orderId));
  const mustAnswer = stream.added.filter(
    (e) => e.addedAt >= since.killedAt || staged.has(e.orderId),
  );
  const counts = new Map<string, OrderAnswer[]>();
  for (const a of stream.answers) counts.set(a.orderId, [...(counts.get(a.orderId) ?? []), a]);
  const unanswered = mustAnswer.filter((e) => !counts.has(e.orderId)).map((e) => e.orderId);
  const answeredTwice = [...counts].filter(([, list]) => list.length > 1).map(([id]) => id);
  const slowestAnswerMs = Math.max(
    0,
    ...mustAnswer.flatMap((e) => {
      const answer = counts.get(e.orderId)?.[0];
      return answer ? [answer.at - Math.max(e.addedAt, since.returnedAt)] : [];
    }),
  );
  const mustIds = new Set(mustAnswer.map((e) => e.orderId));
  const forgottenByRedis = stream.added.filter(
    (e) => !mustIds.has(e.orderId) && !counts.has(e.orderId),
  ).length;
  const pattern = `${stream.prefix}-%`;
  const { rows, ledgeredTwice } = await withClient(databaseUrl, async (db) => {
    const orders = await db.query<{ order_id: string }>(
      'select order_id from orders where order_id like $1',
      [pattern],
    );
    const twice = await db.query<{ order_id: string }>(
      `select order_id from inventory_events where order_id like $1
        group by order_id having count(*) > 1`,
      [pattern],
    );
    return {
      rows: orders.rows.map((r) => r.order_id),
      ledgeredTwice: twice.rows.map((r) => r.order_id),
    };
  });
  const applied = new Set(rows);
  const addedIds = new Set(stream.added.map((e) => e.orderId));
  return {
    added: stream.added.length,
    addedSince: mustAnswer.length,
    unanswered,
    answeredTwice,
    failed: stream.answers.filter((a) => !a.success).length,
    forgottenByRedis,
    slowestAnswerMs,
    applied: applied.size,
    answeredNotApplied: stream.answers
      .filter((a) => a.success && !applied.has(a.orderId))
      .map((a) => a.orderId),
    appliedNotAdded: rows.filter((id) => !addedIds.has(id)),
    ledgeredTwice,
  };
}
