import type { OrderResponse, ProductInventory } from '@stockwire/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { CONSUMER_GROUP, STREAMS } from '../src/queues/order.streams.js';
import { stockRow } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { startStores } from './support/stores.js';

let redis: Redis;

beforeAll(async () => {
  redis = new Redis(stack().redisUrl);
  await redis.del(STREAMS.orders, STREAMS.responses, STREAMS.newItems);
  // The group exists before any store starts, so a consumer that dies holding entries can be staged.
  for (const stream of [STREAMS.orders, STREAMS.newItems]) {
    await redis.xgroup('CREATE', stream, CONSUMER_GROUP, '0', 'MKSTREAM');
  }
});
afterAll(() => redis.disconnect());

async function responses(): Promise<OrderResponse[]> {
  const entries = (await redis.xrange(STREAMS.responses, '-', '+')) as [string, string[]][];
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as OrderResponse);
}

const push = (stream: string, data: unknown) =>
  redis.xadd(stream, '*', 'data', typeof data === 'string' ? data : JSON.stringify(data));

/** Orders of one unit of `productId` at main-store, one entry each, in order. */
async function pushOrders(orderIds: readonly string[], productId: string) {
  for (const orderId of orderIds)
    await push(STREAMS.orders, {
      order_id: orderId,
      product_id: productId,
      quantity: 1,
      warehouse: 'main-store',
    });
}

describe('order streams', () => {
  let stores: StoreInstance[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('answers every order exactly once across three consumers, one of them killed mid-way, and one dead from the start', async () => {
    const seed = await startStores(['main-store']);
    const id = await createProduct(seed, { 'main-store': 1000 });
    await seed[0]!.close();

    // A consumer that read five orders and died before answering them.
    const orderIds = Array.from({ length: 60 }, (_, i) => `stream-${id}-${i}`);
    await pushOrders(orderIds.slice(0, 5), id);
    const taken = (await redis.xreadgroup(
      'GROUP',
      CONSUMER_GROUP,
      'dead-consumer',
      'COUNT',
      5,
      'STREAMS',
      STREAMS.orders,
      '>',
    )) as [string, unknown[]][];
    expect(taken[0]![1]).toHaveLength(5);

    stores = await startStores(['main-store', 'downtown-store', 'mall-store'], {
      streams: { enabled: true, claimIdleMs: 1000 },
    });
    await pushOrders(orderIds.slice(5, 30), id);
    await push(STREAMS.orders, 'not json');
    await push(STREAMS.orders, { order_id: 'bad-qty', product_id: id, quantity: -4 });
    await eventually(async () => (await responses()).length >= 20);
    await stores[1]!.close(); // killed mid-way: whatever it held is claimed by the others
    await pushOrders(orderIds.slice(30), id);

    await eventually(async () => (await responses()).length >= orderIds.length + 2, 20_000);
    await eventually(
      async () => ((await redis.xpending(STREAMS.orders, CONSUMER_GROUP)) as [number])[0] === 0,
      10_000,
    );
    const answers = await responses();
    expect(answers).toHaveLength(orderIds.length + 2);
    const valid = answers.filter((a) => a.order_id.startsWith('stream-'));
    expect(valid.map((a) => a.order_id).sort()).toEqual([...orderIds].sort());
    expect(valid.every((a) => a.success)).toBe(true);
    const refused = answers.filter((a) => !a.order_id.startsWith('stream-'));
    expect(refused).toHaveLength(2);
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          success: false,
          message: expect.stringContaining('data must be JSON'),
        }),
        expect.objectContaining({
          order_id: 'bad-qty',
          success: false,
          message: expect.stringContaining('quantity'),
        }),
      ]),
    );
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 1000 - orderIds.length });
  });

  it('creates products from inventory_new_item entries and acknowledges malformed ones', async () => {
    const productId = `NEWITEM${Date.now()}`;
    await push(STREAMS.newItems, {
      quantity: 10,
      description: 'Blue T-shirt, size M',
      id: productId,
    });
    await push(STREAMS.newItems, { quantity: 'ten' });
    await eventually(
      async () => (await api(stores[0]!.url, 'GET', `/inventory/${productId}`)).status === 200,
    );
    const { body } = await api<ProductInventory>(stores[2]!.url, 'GET', `/inventory/${productId}`);
    expect(body).toMatchObject({ name: 'Blue T-shirt, size M', total_stock: 10 });
    expect(Object.values(body.warehouses)).toEqual([10]);
    await eventually(
      async () => ((await redis.xpending(STREAMS.newItems, CONSUMER_GROUP)) as [number])[0] === 0,
    );
  });
});
