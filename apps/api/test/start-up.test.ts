import { join } from 'node:path';
import type { OrderResponse } from '@stockwire/domain';
import {
  freePort,
  PROJECT_ROOT,
  spawnRedis,
  startGateway,
  type RedisServer,
} from '@stockwire/local-stack';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { launchStore, type StoreInstance } from '../src/app.js';
import { STREAMS } from '../src/queues/order.streams.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { testConfig } from './support/stores.js';

const readiness = async (store: StoreInstance) => {
  const res = await fetch(`${store.url}/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A store pointed at a Redis and a database gateway that nothing serves yet. */
async function storeBeforeItsDependencies() {
  const redisPort = await freePort();
  const gatewayPort = await freePort();
  const lines: string[] = [];
  const store = await launchStore(
    testConfig('main-store', {
      redis: { url: `redis://127.0.0.1:${redisPort}` },
      database: { supabaseUrl: `http://127.0.0.1:${gatewayPort}` },
      streams: { enabled: true, claimIdleMs: 30_000 },
    }),
    (message) => lines.push(message),
  );
  return { store, redisPort, gatewayPort, lines };
}

describe('a store started before Redis and the database', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    // The store first: the gateway waits for its keep-alive connections to end.
    for (const step of cleanup.splice(0)) await step();
  });

  it('listens at once, says on /ready what it waits for, refuses other requests with not_ready, and serves once both answer', async () => {
    const { store, redisPort, gatewayPort, lines } = await storeBeforeItsDependencies();
    cleanup.push(() => store.close());

    // Until its first probes are answered it says only that it is starting.
    await eventually(async () => (await readiness(store)).body.waiting_for !== undefined);
    expect(await readiness(store)).toEqual({
      status: 503,
      body: {
        ready: false,
        reason: 'waiting for Redis and the database',
        waiting_for: ['redis', 'database'],
      },
    });
    const read = await api<{ error: Record<string, unknown> }>(store.url, 'GET', '/inventory');
    expect(read).toMatchObject({
      status: 503,
      body: { error: { code: 'not_ready', waiting_for: ['redis', 'database'] } },
    });
    const write = await api<{ error: Record<string, unknown> }>(store.url, 'POST', '/products', {
      product_id: 'NEVERMADE',
      name: 'Never made',
      stock: { 'main-store': 1 },
    });
    expect(write).toMatchObject({ status: 503, body: { error: { code: 'not_ready' } } });
    const health = await api<Record<string, unknown>>(store.url, 'GET', '/health');
    expect(health).toMatchObject({
      status: 200,
      body: { status: 'starting', ready: false, redis: 'down', database: 'down' },
    });

    const redis: RedisServer = await spawnRedis(
      join(PROJECT_ROOT, '.data', 'test', 'start-up-redis'),
      redisPort,
    );
    cleanup.push(() => redis.stop());
    await eventually(async () => {
      const { body } = await readiness(store);
      return JSON.stringify(body.waiting_for) === '["database"]';
    }, 10_000);
    expect(await readiness(store)).toEqual({
      status: 503,
      body: { ready: false, reason: 'waiting for the database', waiting_for: ['database'] },
    });

    const { postgrestUrl, jwtSecret } = stack();
    const gateway = await startGateway({ port: gatewayPort, postgrestUrl, jwtSecret });
    cleanup.push(() => gateway.stop());
    await store.ready;
    expect(await readiness(store)).toEqual({ status: 200, body: { ready: true } });

    // Serving in full: writes, reads from the cache, and the order stream.
    const id = await createProduct([store], { 'main-store': 5 });
    const orders = new Redis(redis.url);
    cleanup.push(() => Promise.resolve(orders.disconnect()));
    await orders.xadd(
      STREAMS.orders,
      '*',
      'data',
      JSON.stringify({
        order_id: `startup-${id}`,
        product_id: id,
        quantity: 2,
        warehouse: 'main-store',
      }),
    );
    let answer: OrderResponse | undefined;
    await eventually(async () => {
      const entries = await orders.xrange(STREAMS.responses, '-', '+');
      const found = entries.find(([, f]) => f[1]?.includes(`startup-${id}`));
      answer = found && (JSON.parse(found[1][1]!) as OrderResponse);
      return answer !== undefined;
    });
    expect(answer).toMatchObject({ order_id: `startup-${id}`, success: true });
    await eventually(
      async () =>
        (await api<{ total_stock: number }>(store.url, 'GET', `/inventory/${id}`)).body
          .total_stock === 3,
    );

    // Told once per change of what it waited for, not once per retry.
    const waits = lines.filter((l) => l.includes('waiting for'));
    expect(waits).toEqual([
      expect.stringContaining('waiting for Redis and the database'),
      'still waiting for the database',
    ]);
  }, 60_000);

  it('stops cleanly when closed while it waits', async () => {
    const { store } = await storeBeforeItsDependencies();
    expect((await readiness(store)).status).toBe(503);
    await store.close();
    await expect(store.ready).rejects.toThrow('stopped before it served');
    await expect(fetch(`${store.url}/ready`)).rejects.toThrow();
  });

  it('stops cleanly when Redis has gone away after it served', async () => {
    const redis = await spawnRedis(join(PROJECT_ROOT, '.data', 'test', 'start-up-redis'));
    cleanup.push(() => redis.stop());
    const store = await launchStore(
      testConfig('main-store', {
        redis: { url: redis.url },
        streams: { enabled: true, claimIdleMs: 30_000 },
      }),
      () => {},
    );
    await store.ready;
    await redis.stop({ kill: true });
    await eventually(
      async () => (await api<{ redis: string }>(store.url, 'GET', '/health')).body.redis === 'down',
    );
    await store.close();
    await expect(fetch(`${store.url}/ready`)).rejects.toThrow();
  });
});
