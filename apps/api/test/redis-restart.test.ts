import { join } from 'node:path';
import type { ProductInventory } from '@stockwire/domain';
import { PROJECT_ROOT, spawnRedis, type RedisServer } from '@stockwire/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import type { HealthReport } from '../src/http/health.routes.js';
import { socketClient } from './support/clients.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores } from './support/stores.js';

// Redis without persistence, as in Compose: a restart loses every key, subscription and script.
// The order streams' part is the fault drill `redis-restart` (faults.test.ts); this is the rest.
let redis: RedisServer;
let stores: StoreInstance[] = [];

beforeAll(async () => {
  redis = await spawnRedis(join(PROJECT_ROOT, '.data', 'test', 'redis-restart'));
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.stop();
});

const health = async (store: StoreInstance) =>
  (await api<HealthReport>(store.url, 'GET', '/health')).body;

const restockAtMall = (store: StoreInstance, id: string) =>
  api(store.url, 'POST', `/inventory/${id}/update`, {
    change: 1,
    update_type: 'restock',
    warehouse: 'mall-store',
  });

describe('after Redis restarts without its data', () => {
  it('every store is subscribed again: changes reach the other caches and sockets, the Socket.IO adapter delivers across stores, write limits count', async () => {
    // Only main-store releases holds, so an expiry reaches a client of downtown-store through the
    // adapter alone.
    const [sweeping] = await startStores(['main-store'], {
      redis: { url: redis.url },
      checkout: { reservationSweepMs: 100 },
    });
    const [quiet] = await startStores(['downtown-store'], {
      redis: { url: redis.url },
      checkout: { reservationSweepMs: 600_000 },
    });
    const [limited] = await startStores(['mall-store'], {
      redis: { url: redis.url },
      access: { rateLimits: { windowMs: 60_000, perCredential: 2, perIp: 0 } },
    });
    stores = [sweeping!, quiet!, limited!];
    const id = await createProduct(stores, { 'main-store': 20, 'mall-store': 20 });
    const client = await socketClient(quiet!.url, { client_id: 'redis-restart-1' });

    await redis.stop({ kill: true });
    await eventually(async () => (await health(quiet!)).redis === 'down');
    // Writes go on uncounted while Redis cannot count them, and /health says so.
    expect((await health(limited!)).rate_limits).toEqual({ status: 'enforced' });
    expect((await restockAtMall(limited!, id)).status).toBe(200);
    expect((await health(limited!)).rate_limits).toMatchObject({
      status: 'not_enforced',
      reason: expect.stringMatching(/\S/) as string,
    });
    await redis.start();
    for (const store of stores) {
      await eventually(async () => {
        const h = await health(store);
        return h.redis === 'up' && !h.stale;
      }, 10_000);
    }

    // inventory_updates: a sale at one store reaches the other's cache and its socket clients.
    const sale = await api(sweeping!.url, 'POST', `/inventory/${id}/update`, {
      change: -3,
      update_type: 'sale',
      warehouse: 'main-store',
    });
    expect(sale.status).toBe(200);
    await eventually(
      async () =>
        (await api<ProductInventory>(quiet!.url, 'GET', `/inventory/${id}`)).body.warehouses[
          'main-store'
        ] === 17,
    );
    await eventually(() => client.updates.some((u) => u.product_id === id));

    // The Socket.IO adapter: main-store's sweeper tells the client at downtown-store.
    const hold = await api<{ reservation_id: string }>(
      sweeping!.url,
      'POST',
      `/inventory/${id}/reserve`,
      { warehouse: 'main-store', quantity: 1, ttl_seconds: 1, client_id: 'redis-restart-1' },
    );
    expect(hold.status).toBe(201);
    await eventually(() => client.expired.length > 0, 10_000);
    expect(client.expired.map((n) => n.reservation_id)).toEqual([hold.body.reservation_id]);
    client.close();

    // The write budget's script runs on the new Redis: the third write of a credential is refused.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await restockAtMall(limited!, id)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await health(limited!)).rate_limits).toEqual({ status: 'enforced' });
  }, 60_000);
});
