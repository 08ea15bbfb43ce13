import { createHash } from 'node:crypto';
import {
  CreateProductRequestSchema,
  LocationSchema,
  orderSchemaFor,
  StockwireError,
  ERROR_CODES,
  describeFieldErrors,
  fieldErrors,
  type OrderResponse,
} from '@stockwire/domain';
import { z } from 'zod';
import {
  createRedisClient,
  isCluster,
  type RedisClient,
  type RedisTarget,
} from '../redis/redis.client.js';
import type { IdempotencyKey } from '../store/inventory.store.js';

/** The Redis Streams that back-office systems speak, as the order queues Stockwire replaces. */
export const STREAMS = {
  orders: 'order_validate',
  responses: 'order_validate_response',
  newItems: 'inventory_new_item',
} as const;

/** The consumer group all instances share, so each entry goes to one of them. */
export const CONSUMER_GROUP = 'stockwire';

/** `inventory_new_item` entries: `{quantity, description}`, optionally id, name and warehouse. */
const NewItemSchema = z.object({
  quantity: z.number().int().min(0).max(1_000_000),
  description: z.string().trim().min(1).max(2000),
  id: z.union([z.string(), z.int().nonnegative()]).transform(String).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  warehouse: LocationSchema.optional(),
});

export interface StreamHandlers {
  placeOrder(
    order: z.output<ReturnType<typeof orderSchemaFor>>,
    entryId: string,
  ): Promise<OrderResponse>;
  createProduct(
    product: z.output<typeof CreateProductRequestSchema>,
    entryId: string,
  ): Promise<void>;
}

export interface StreamOptions {
  /** This instance's consumer name in the group. */
  consumer: string;
  /** Where a new item's quantity goes when the entry names no warehouse. */
  store: string;
  /** How long an entry may stay unacknowledged with a consumer before another claims it. */
  claimIdleMs: number;
  /** How long one read waits for entries. */
  blockMs: number;
}

// Acknowledge, and answer only if this acknowledgement was the one that counted: an entry
// processed twice (claimed from a consumer that was slow rather than dead) is answered once. An
// entry read before Redis lost its data is in no group any more: XACK counts 0, so it is not
// answered from a stream that no longer holds it. Sent whole with EVAL, never EVALSHA, so a Redis
// that restarted with no scripts cached runs it all the same.
const ACK_AND_ANSWER = `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'data', ARGV[3])
  return 1
end
return 0`;

type Entry = [id: string, fields: string[]];

/** The streams this consumer reads. */
type ConsumedStream = typeof STREAMS.orders | typeof STREAMS.newItems;

/** One blocking reader: its connection, and the streams it reads in one XREADGROUP. */
interface Reader {
  redis: RedisClient;
  streams: readonly ConsumedStream[];
  lastClaim: number;
}

/** The idempotency key of what a stream entry writes: one write per entry, however often tried. */
export function entryKey(
  stream: string,
  entryId: string,
  data: unknown,
  ttlSeconds: number,
): IdempotencyKey {
  return {
    key: `${stream}:${entryId}`,
    scope: `stream ${stream}`,
    hash: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
    ttl_seconds: ttlSeconds,
  };
}

/**
 * Whether an entry that failed so stays pending, to be tried again: the database was away, or the
 * answer was lost. Both are safe to retry: an order is applied at most once by order_id, a new item
 * at most once by its entry ({@link entryKey}).
 */
const mayRetry = (error: unknown) =>
  error instanceof StockwireError &&
  (error.code === ERROR_CODES.DATABASE_UNAVAILABLE || error.code === ERROR_CODES.OUTCOME_UNKNOWN);

function dataField(fields: string[]): unknown {
  const at = fields.indexOf('data');
  const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
  if (raw === undefined) throw new Error('entry has no data field');
  return JSON.parse(raw);
}

function describeInvalid(error: z.ZodError): string {
  return describeFieldErrors(fieldErrors(error));
}

/**
 * Consumes `order_validate` and `inventory_new_item` in a consumer group shared by all instances.
 * Each order entry is answered on `order_validate_response` exactly once: the order itself is
 * applied at most once by order_id in the database, and the answer is written in the same atomic
 * step as the acknowledgement (on a Redis Cluster, just before it: {@link answer}). Entries left
 * pending by a dead instance are claimed after `claimIdleMs`. Malformed entries are answered
 * with `success: false` and acknowledged, never retried; entries that failed because the
 * database was down stay pending and are retried.
 * A group that Redis lost (restarted without persistence) is created again, from the start of the
 * stream, as soon as a read finds it missing, so entries added meanwhile are served too.
 */
export class OrderStreamConsumer {
  private readonly readers: Reader[];
  private readonly cluster: boolean;
  private running = false;
  private loops: Promise<void>[] = [];
  processed = 0;
  /** Times the consumer group was found missing and created again. */
  groupsRecreated = 0;

  constructor(
    target: RedisTarget,
    private readonly handlers: StreamHandlers,
    private readonly options: StreamOptions,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    // On a cluster the two streams live in different slots, and one XREADGROUP may only name keys
    // of one slot (CROSSSLOT): each stream gets a reader of its own. Blocking reads need a
    // connection of their own, so each reader has one.
    this.cluster = isCluster(target);
    const groups: ConsumedStream[][] = this.cluster
      ? [[STREAMS.orders], [STREAMS.newItems]]
      : [[STREAMS.orders, STREAMS.newItems]];
    this.readers = groups.map((streams) => {
      const redis = createRedisClient(target, {
        name: `stockwire-streams`,
        maxRetriesPerRequest: null,
      });
      redis.on('error', () => {});
      return { redis, streams, lastClaim: 0 };
    });
  }

  /**
   * Starts consuming. The groups are created by the loop, as they are whenever Redis is found
   * without them, so this does not wait for Redis.
   */
  start(): Promise<void> {
    this.running = true;
    this.loops = this.readers.map((reader) => this.run(reader));
    return Promise.resolve();
  }

  /**
   * Creates the group on the reader's streams unless it exists, from the start of each stream:
   * entries sent while no store ran, or while Redis had lost the group, are still served.
   */
  private async ensureGroups({ redis, streams }: Reader): Promise<void> {
    for (const stream of streams) {
      try {
        await redis.xgroup('CREATE', stream, CONSUMER_GROUP, '0', 'MKSTREAM');
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error;
      }
    }
  }

  private async run(reader: Reader): Promise<void> {
    const { redis, streams } = reader;
    let groupsMissing = true;
    let failing = false;
    while (this.running) {
      try {
        if (groupsMissing) {
          await this.ensureGroups(reader);
          groupsMissing = false;
        }
        if (Date.now() - reader.lastClaim >= this.options.claimIdleMs / 2) {
          reader.lastClaim = Date.now();
          await this.claimStale(reader);
        }
        const read = (await redis.xreadgroup(
          'GROUP',
          CONSUMER_GROUP,
          this.options.consumer,
          'COUNT',
          32,
          'BLOCK',
          this.options.blockMs,
          'STREAMS',
          ...streams,
          ...streams.map(() => '>'),
        )) as [stream: string, entries: Entry[]][] | null;
        if (failing) this.log('stream consumer reading again');
        failing = false;
        for (const [stream, entries] of read ?? []) {
          for (const entry of entries) await this.handle(redis, stream, entry);
        }
      } catch (error) {
        if (!this.running) return;
        if (String(error).includes('NOGROUP')) {
          // Redis lost the group (restarted without persistence, or the stream was deleted):
          // recreate it at once and read on.
          this.log(`consumer group ${CONSUMER_GROUP} is missing; recreating it`);
          this.groupsRecreated++;
          groupsMissing = true;
          continue;
        }
        if (!failing) this.log('stream consumer error; retrying', error);
        failing = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Takes over entries another consumer has held too long (it died, or hung). */
  private async claimStale({ redis, streams }: Reader): Promise<void> {
    for (const stream of streams) {
      let cursor = '0-0';
      do {
        const [next, entries] = (await redis.xautoclaim(
          stream,
          CONSUMER_GROUP,
          this.options.consumer,
          this.options.claimIdleMs,
          cursor,
          'COUNT',
          32,
        )) as [string, (Entry | null)[], ...unknown[]];
        for (const entry of entries) if (entry) await this.handle(redis, stream, entry);
        cursor = next;
      } while (cursor !== '0-0' && this.running);
    }
  }

  private async handle(redis: RedisClient, stream: string, [id, fields]: Entry): Promise<void> {
    try {
      if (stream === STREAMS.orders) await this.handleOrder(redis, id, fields);
      else await this.handleNewItem(redis, id, fields);
      this.processed++;
    } catch (error) {
      // Left pending: retried here or claimed by another instance later.
      this.log(`${stream} entry ${id} not processed; it stays pending`, error);
    }
  }

  private async handleOrder(redis: RedisClient, id: string, fields: string[]): Promise<void> {
    let data: unknown;
    let response: OrderResponse;
    try {
      data = dataField(fields);
    } catch {
      return this.answer(redis, id, {
        order_id: '',
        success: false,
        message: 'Malformed entry: field data must be JSON',
        order_data: null,
      });
    }
    const parsed = orderSchemaFor(data).safeParse(data);
    const orderId =
      typeof data === 'object' && data !== null && 'order_id' in data ? String(data.order_id) : '';
    if (!parsed.success) {
      response = {
        order_id: orderId,
        success: false,
        message: `Invalid order: ${describeInvalid(parsed.error)}`,
        order_data: data,
      };
    } else {
      try {
        response = await this.handlers.placeOrder(parsed.data, id);
      } catch (error) {
        if (mayRetry(error)) throw error;
        response = {
          order_id: orderId,
          success: false,
          message: error instanceof Error ? error.message : 'Order failed',
          order_data: data,
        };
      }
    }
    await this.answer(redis, id, response);
  }

  /**
   * Answers an entry and acknowledges it. On one node, in one script ({@link ACK_AND_ANSWER}). On a
   * cluster the two streams are in different slots (their names are the contract, so they cannot
   * share a hash tag), and no script may touch both: the entry is answered only while it is still
   * pending with this consumer (not acknowledged, not claimed by another), then acknowledged. If
   * the store or the node dies between the answer and the acknowledgement, the entry stays pending,
   * is claimed again after `claimIdleMs` and answered a second time with the order's same outcome
   * (the order itself is applied once, by order_id): an answer may come twice, never not at all.
   */
  private async answer(redis: RedisClient, id: string, response: OrderResponse): Promise<void> {
    const data = JSON.stringify(response);
    if (!this.cluster) {
      await redis.eval(
        ACK_AND_ANSWER,
        2,
        STREAMS.orders,
        STREAMS.responses,
        CONSUMER_GROUP,
        id,
        data,
      );
      return;
    }
    const pending = (await redis.xpending(STREAMS.orders, CONSUMER_GROUP, id, id, 1)) as [
      id: string,
      consumer: string,
      ...unknown[],
    ][];
    if (pending[0]?.[1] !== this.options.consumer) return;
    await redis.xadd(STREAMS.responses, '*', 'data', data);
    await redis.xack(STREAMS.orders, CONSUMER_GROUP, id);
  }

  private async handleNewItem(redis: RedisClient, id: string, fields: string[]): Promise<void> {
    try {
      const item = NewItemSchema.parse(dataField(fields));
      const product = CreateProductRequestSchema.parse({
        ...(item.id !== undefined && { product_id: item.id }),
        name: item.name ?? item.description.slice(0, 200),
        description: item.description,
        stock: { [item.warehouse ?? this.options.store]: item.quantity },
      });
      await this.handlers.createProduct(product, id);
    } catch (error) {
      if (mayRetry(error)) throw error;
      this.log(
        `${STREAMS.newItems} entry ${id} refused: ${error instanceof z.ZodError ? describeInvalid(error) : error instanceof Error ? error.message : 'invalid'}`,
      );
    }
    await redis.xack(STREAMS.newItems, CONSUMER_GROUP, id);
  }

  async stop(): Promise<void> {
    this.running = false;
    // With Redis away, ioredis keeps the loop's command queued through disconnect(), never
    // settled: then there is nothing to wait for, and a store stopping meanwhile would hang.
    await Promise.all(
      this.readers.map(async ({ redis }, at) => {
        const settles = redis.status === 'ready';
        redis.disconnect();
        if (settles) await this.loops[at]?.catch(() => {});
      }),
    );
  }
}
