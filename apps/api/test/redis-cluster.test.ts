import {
  INVENTORY_CHANNEL,
  type OrderResponse,
  type ProductInventory,
  type StockUpdate,
} from '@stockwire/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import type { HealthReport } from '../src/http/health.routes.js';
import { CONSUMER_GROUP, STREAMS } from '../src/queues/order.streams.js';
import { socketClient } from './support/clients.js';
import { cachesMatchDatabase } from './support/convergence.js';
import { ledger, stockRow } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer } from './support/http.js';
import { createProduct, uniqueId } from './support/products.js';
import { clusterNodes, useRedisCluster } from './support/redis-cluster.js';
import { startStores, type ConfigOverrides } from './support/stores.js';

const redis = useRedisCluster();
const NAMES = ['main-store', 'downtown-store', 'mall-store'] as const;
let stores: StoreInstance[] = [];

/** Stores on the cluster, consuming the streams. */
const onCluster = (): ConfigOverrides => ({
  redis: { clusterNodes: clusterNodes(redis().cluster) },
  streams: { enabled: true, claimIdleMs: 2000 },
});

/** Orders a consumer read and then died holding, before any store ran. */
const HELD_BY_THE_DEAD = ['held-1', 'held-2', 'held-3'].map((id) => `${id}-${uniqueId()}`);

beforeAll(async () => {
  const { client } = redis();
  await client.xgroup('CREATE', STREAMS.orders, CONSUMER_GROUP, '0', 'MKSTREAM');
  for (const orderId of HELD_BY_THE_DEAD) {
    await client.xadd(
      STREAMS.orders,
      '*',
      'data',
      JSON.stringify({ order_id: orderId, product_id: uniqueId(), quantity: 1 }),
    );
  }
  const taken = (await client.xreadgroup(
    'GROUP',
    CONSUMER_GROUP,
    'dead-consumer',
    'COUNT',
    10,
    'STREAMS',
    STREAMS.orders,
    '>',
  )) as [string, unknown[]][];
  expect(taken[0]![1]).toHaveLength(HELD_BY_THE_DEAD.length);
  // Only main-store releases holds, so an expiry reaches a client elsewhere through the adapter.
  const [sweeping] = await startStores(NAMES.slice(0, 1), {
    ...onCluster(),
    checkout: { reservationSweepMs: 100 },
  });
  const others = await startStores(NAMES.slice(1), {
    ...onCluster(),
    checkout: { reservationSweepMs: 600_000 },
  });
  stores = [sweeping!, ...others];
}, 60_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

const health = async (store: StoreInstance) =>
  (await api<HealthReport>(store.url, 'GET', '/health')).body;

const sale = (store: StoreInstance, id: string, headers: Record<string, string> = {}) =>
  api<ProductInventory>(
    store.url,
    'POST',
    `/inventory/${id}/update`,
    { warehouse: 'main-store', change: -1, update_type: 'sale' },
    headers,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function responses(): Promise<OrderResponse[]> {
  const entries = (await redis().client.xrange(STREAMS.responses, '-', '+')) as [
    string,
    string[],
  ][];
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as OrderResponse);
}

describe('stores on a Redis Cluster', () => {
  it('start on it and say so on /health', async () => {
    for (const store of stores) {
      const report = await health(store);
      expect(report).toMatchObject({
        status: 'ok',
        redis: 'up',
        redis_cluster: { status: 'up', state: 'ok', masters: 3, masters_unreachable: 0 },
      });
    }
  });

  it('carry a sale made at one store to the others', async () => {
    const id = await createProduct(stores, { 'main-store': 50 });
    const sold = await sale(stores[0]!, id);
    expect(sold.status).toBe(200);
    for (const store of stores) {
      await eventually(
        async () =>
          (await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`)).body.total_stock ===
          49,
      );
    }
    await cachesMatchDatabase(stores, [id]);
  });

  it('hold, commit and place orders at any store, never overselling, every cache in step', async () => {
    const id = await createProduct(stores, { 'main-store': 10 });
    const hold = await api<{ reservation_id: string }>(
      stores[1]!.url,
      'POST',
      `/inventory/${id}/reserve`,
      { quantity: 4, warehouse: 'main-store' },
    );
    expect(hold.status).toBe(201);
    await eventually(async () =>
      (
        await Promise.all(
          stores.map(
            async (s) => (await api<ProductInventory>(s.url, 'GET', `/inventory/${id}`)).body,
          ),
        )
      ).every((view) => view.reserved_stock === 4),
    );
    const commit = await api(
      stores[2]!.url,
      'POST',
      `/reservations/${hold.body.reservation_id}/commit`,
    );
    expect(commit.status).toBe(200);
    // Six left: of ten one-unit orders sent to all three stores at once, six succeed.
    const orders = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(stores[i % 3]!.url, 'POST', '/orders', {
          order_id: `cluster-${id}-${i}`,
          lines: [{ product_id: id, quantity: 1, warehouse: 'main-store' }],
        }),
      ),
    );
    expect(orders.filter((o) => o.status === 201)).toHaveLength(6);
    expect(orders.filter((o) => o.status === 409)).toHaveLength(4);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 0, reserved: 0 });
    await cachesMatchDatabase(stores, [id]);
  });

  it('answers each order_validate entry once on order_validate_response, those a dead consumer held too, and adds inventory_new_item products', async () => {
    const id = await createProduct(stores, { 'main-store': 100 });
    const orderIds = Array.from({ length: 12 }, (_, i) => `stream-${id}-${i}`);
    for (const orderId of orderIds) {
      await redis().client.xadd(
        STREAMS.orders,
        '*',
        'data',
        JSON.stringify({ order_id: orderId, product_id: id, quantity: 1, warehouse: 'main-store' }),
      );
    }
    const newItem = uniqueId();
    await redis().client.xadd(
      STREAMS.newItems,
      '*',
      'data',
      JSON.stringify({ id: newItem, quantity: 7, description: 'Added from the stream' }),
    );
    await eventually(
      async () => (await responses()).filter((r) => orderIds.includes(r.order_id)).length >= 12,
      20_000,
    );
    const answered = (await responses()).filter((r) => orderIds.includes(r.order_id));
    expect(answered.map((r) => r.order_id).sort()).toEqual([...orderIds].sort());
    expect(answered.every((r) => r.success)).toBe(true);
    // What the dead consumer held is claimed after STREAM_CLAIM_IDLE_MS and answered once each
    // (refused: no such product).
    await eventually(
      async () =>
        (await responses()).filter((r) => HELD_BY_THE_DEAD.includes(r.order_id)).length >= 3,
      20_000,
    );
    const held = (await responses()).filter((r) => HELD_BY_THE_DEAD.includes(r.order_id));
    expect(held.map((r) => r.order_id).sort()).toEqual([...HELD_BY_THE_DEAD].sort());
    expect(held.every((r) => !r.success)).toBe(true);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 88 });
    for (const store of stores) {
      await eventually(
        async () => (await api(store.url, 'GET', `/inventory/${newItem}`)).status === 200,
        10_000,
      );
    }
    for (const stream of [STREAMS.orders, STREAMS.newItems]) {
      const [pending] = (await redis().client.xpending(stream, CONSUMER_GROUP)) as [number];
      expect(pending).toBe(0);
    }
    await cachesMatchDatabase(stores, [id, newItem]);
  });

  it('sends a reservation-expired notice to the socket that made the hold, at whichever store it is, and narrowed feeds only what they watch', async () => {
    const id = await createProduct(stores, { 'main-store': 20, 'downtown-store': 20 });
    const clientId = `cluster-${id}`;
    const narrowed = await socketClient(
      stores[2]!.url,
      { client_id: clientId },
      { locations: 'downtown-store' },
    );
    try {
      const hold = await api<{ reservation_id: string }>(
        stores[0]!.url,
        'POST',
        `/inventory/${id}/reserve`,
        { quantity: 2, warehouse: 'main-store', ttl_seconds: 1, client_id: clientId },
      );
      expect(hold.status).toBe(201);
      const restock = await api(stores[1]!.url, 'POST', `/inventory/${id}/update`, {
        warehouse: 'downtown-store',
        change: 3,
        update_type: 'restock',
      });
      expect(restock.status).toBe(200);
      await eventually(() => narrowed.expired.length >= 1, 10_000);
      await eventually(() => narrowed.updates.some((u) => u.product_id === id));
      expect(narrowed.expired.map((n) => n.reservation_id)).toEqual([hold.body.reservation_id]);
      // The sharded adapter in static mode: one shard channel for the namespace, one for each
      // store's answers, none per room (the client's room, its narrowed feed's rooms).
      const channels = (
        await Promise.all(
          redis()
            .client.nodes('master')
            .map(async (node) => (await node.call('PUBSUB', 'SHARDCHANNELS')) as string[]),
        )
      ).flat();
      expect(channels.filter((c) => c === 'socket.io#/#')).toHaveLength(1);
      expect(channels.filter((c) => c.startsWith('socket.io#/#'))).toHaveLength(1 + stores.length);
      expect(channels.some((c) => c.includes(clientId) || c.includes('downtown-store'))).toBe(
        false,
      );
      const mine = narrowed.updates.filter((u: StockUpdate) => u.product_id === id);
      expect(mine.every((u) => u.warehouse === 'downtown-store')).toBe(true);
    } finally {
      narrowed.close();
    }
  });

  it('counts a credential’s writes across stores, whichever node holds its bucket', async () => {
    const limited = await startStores(['east-store', 'west-store'], {
      ...onCluster(),
      streams: { enabled: false },
      access: { rateLimits: { windowMs: 60_000, perCredential: 3, perIp: 0 } },
    });
    try {
      const id = await createProduct(limited, { 'main-store': 100 });
      // Buckets of several credentials land on several masters' slots.
      for (let k = 0; k < 4; k++) {
        const made = await api<{ secret: string }>(stores[0]!.url, 'POST', '/keys', {
          id: `rl-${uniqueId()}`,
          role: 'staff',
        });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          statuses.push((await sale(limited[i % 2]!, id, bearer(made.body.secret))).status);
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
      }
      expect((await health(limited[0]!)).rate_limits).toEqual({ status: 'enforced' });
    } finally {
      await Promise.all(limited.map((s) => s.close()));
    }
  });
});

describe('a master of the cluster killed mid-run', () => {
  it('fails over to its replica: no acknowledged write lost, caches converge, /health true throughout', async () => {
    const id = await createProduct(stores, { 'main-store': 5000 });
    const forOrders = await createProduct(stores, { 'main-store': 100 });
    // The master of the stores' shard channel: every store's feed is cut until its replica serves.
    const victim = await redis().cluster.masterOf(INVENTORY_CHANNEL);
    let writing = true;
    const answers: number[] = [];
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        answers.push((await sale(stores[i % 3]!, id)).status);
      }
    })();
    const reported: string[] = [];
    const watcher = (async () => {
      while (writing) {
        for (const store of stores) reported.push((await health(store)).redis);
        await sleep(50);
      }
    })();
    const orderIds = [0, 1, 2].map((i) => `failover-${forOrders}-${i}`);
    let loops: PromiseSettledResult<void>[] = [];
    try {
      await eventually(() => answers.length >= 20);
      const resyncsBefore = await Promise.all(stores.map(async (s) => (await health(s)).resyncs));
      await victim.kill();
      // Until the replica takes over, the master's slots are not served: /health must not say up.
      await eventually(() => reported.some((r) => r !== 'up'), 15_000);
      await redis().cluster.waitUntilOk(30_000);
      await eventually(
        async () => (await Promise.all(stores.map(health))).every((h) => h.redis === 'up'),
        20_000,
      );
      // Each store subscribed again on the promoted replica, then reloaded what it may have missed.
      await eventually(async () => {
        const resyncs = await Promise.all(stores.map(async (s) => (await health(s)).resyncs));
        return resyncs.every((after, i) => after > resyncsBefore[i]!);
      }, 20_000);
      expect(await redis().cluster.masters()).toHaveLength(3);
      expect((await redis().cluster.masters()).map((m) => m.port)).not.toContain(victim.port);

      // The order streams are answered after the failover too.
      for (const orderId of orderIds) {
        await redis().client.xadd(
          STREAMS.orders,
          '*',
          'data',
          JSON.stringify({
            order_id: orderId,
            product_id: forOrders,
            quantity: 1,
            warehouse: 'main-store',
          }),
        );
      }
      await eventually(
        async () => (await responses()).filter((r) => orderIds.includes(r.order_id)).length >= 3,
        20_000,
      );
    } finally {
      writing = false;
      loops = await Promise.allSettled([writer, watcher]);
    }
    // Neither the writes nor /health ever failed outright.
    expect(loops.filter((loop) => loop.status === 'rejected')).toEqual([]);
    const failedOver = (await responses()).filter((r) => orderIds.includes(r.order_id));
    expect(failedOver.every((r) => r.success)).toBe(true);
    expect(await stockRow(forOrders, 'main-store')).toMatchObject({ on_hand: 97 });

    // Writes went on throughout: the database has them, Redis only carries the news.
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    const sold = (await ledger(id)).filter((row) => row.update_type === 'sale');
    expect(sold).toHaveLength(answers.length);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 5000 - answers.length });
    await cachesMatchDatabase(stores, [id, forOrders], 20_000);
    expect(reported.at(-1)).toBe('up');

    // The killed node comes back as a replica of the one that replaced it.
    await victim.start();
    await redis().cluster.waitUntilOk(30_000);
    expect((await redis().cluster.masters()).map((m) => m.port)).not.toContain(victim.port);
  });
});
