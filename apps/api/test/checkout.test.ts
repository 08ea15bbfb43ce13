import type { ProductInventory } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { socketClient } from './support/clients.js';
import { cachesMatchDatabase } from './support/convergence.js';
import { ledger, stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores, useStores } from './support/stores.js';

// No background sweeper here: these tests see what the write paths themselves do with expired holds.
const stores = useStores(['main-store', 'downtown-store', 'mall-store'], {
  checkout: { reservationSweepMs: 600_000 },
});
const main = () => stores()[0];

interface Receipt {
  success: boolean;
  reservation_id: string;
  product_id: string;
  warehouse: string;
  quantity: number;
  expires_at: string;
  available_stock: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reserve(
  store: StoreInstance,
  id: string,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
) {
  return api<Receipt>(store.url, 'POST', `/inventory/${id}/reserve`, body, headers);
}

/** Commits or releases a hold, through `store`. */
const settle = (store: StoreInstance, action: 'commit' | 'release', reservationId: string) =>
  api(store.url, 'POST', `/reservations/${reservationId}/${action}`);

describe('reservations', () => {
  it('holds stock, shows it as reserved at every store, and commits it as a sale', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const held = await reserve(main(), id, { quantity: 3 });
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({
      success: true,
      product_id: id,
      warehouse: 'main-store',
      quantity: 3,
      available_stock: 7,
    });
    expect(Date.parse(held.body.expires_at) - Date.now()).toBeGreaterThan(500_000);
    for (const store of stores()) {
      await eventually(
        async () =>
          (await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`)).body
            .reserved_stock === 3,
      );
      const { body } = await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`);
      expect(body).toMatchObject({ total_stock: 10, reserved_stock: 3, available_stock: 7 });
    }
    const shown = await api(stores()[2].url, 'GET', `/reservations/${held.body.reservation_id}`);
    expect(shown.body).toMatchObject({
      status: 'held',
      quantity: 3,
      warehouse: 'main-store',
      store: 'main-store',
    });

    const committed = await settle(stores()[1], 'commit', held.body.reservation_id);
    expect(committed).toMatchObject({
      status: 200,
      body: { status: 'committed', reservation_id: held.body.reservation_id },
    });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 7, reserved: 0 });
    const rows = await ledger(id);
    expect(rows.at(-1)).toMatchObject({
      update_type: 'sale',
      change: -3,
      previous_quantity: 10,
      new_quantity: 7,
    });

    const again = await settle(main(), 'commit', held.body.reservation_id);
    expect(again).toMatchObject({
      status: 409,
      body: { error: { code: 'reservation_committed' } },
    });
    const release = await settle(main(), 'release', held.body.reservation_id);
    expect(release).toMatchObject({
      status: 409,
      body: { error: { code: 'reservation_committed' } },
    });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 7, reserved: 0 });
    expect(await ledger(id)).toHaveLength(rows.length);
  });

  it('gives released units back, once', async () => {
    const id = await createProduct(stores(), { 'mall-store': 4 });
    const held = await reserve(stores()[2], id, { quantity: 4 });
    expect(held.body.available_stock).toBe(0);
    const sale = await api(main().url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'mall-store',
      change: -1,
      update_type: 'sale',
    });
    expect(sale.status).toBe(409);
    const released = await settle(main(), 'release', held.body.reservation_id);
    expect(released).toMatchObject({ status: 200, body: { status: 'released' } });
    expect(await stockRow(id, 'mall-store')).toMatchObject({ on_hand: 4, reserved: 0 });
    const twice = await settle(main(), 'release', held.body.reservation_id);
    expect(twice).toMatchObject({ status: 409, body: { error: { code: 'reservation_released' } } });
    expect(await stockRow(id, 'mall-store')).toMatchObject({ on_hand: 4, reserved: 0 });
  });

  it('refuses a hold larger than what is available with 409 and the available stock', async () => {
    const id = await createProduct(stores(), { 'main-store': 2 });
    const before = await stockRow(id, 'main-store');
    const res = await reserve(main(), id, { quantity: 3 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      success: false,
      available_stock: 2,
      message: expect.stringContaining('2 available'),
    });
    expect(await stockRow(id, 'main-store')).toEqual(before);
  });

  it('stops counting an expired hold at once, before any sweeper runs, and refuses to commit it', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const held = await reserve(main(), id, { quantity: 5, ttl_seconds: 1 });
    expect(held.status).toBe(201);
    await sleep(1100);
    // The hold ran out: all five units can be sold although nothing has released it yet.
    const sale = await api<ProductInventory>(stores()[1].url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'main-store',
      change: -5,
      update_type: 'sale',
    });
    expect(sale.status).toBe(200);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 0, reserved: 0 });
    const commit = await settle(main(), 'commit', held.body.reservation_id);
    expect(commit).toMatchObject({ status: 409, body: { error: { code: 'reservation_expired' } } });
    expect(
      (await api(main().url, 'GET', `/reservations/${held.body.reservation_id}`)).body,
    ).toMatchObject({ status: 'expired' });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 0, reserved: 0 });
  });

  it('answers commits of an expired hold with 409 and releases its units', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const held = await reserve(main(), id, { quantity: 2, ttl_seconds: 1 });
    await sleep(1100);
    const commit = await settle(stores()[2], 'commit', held.body.reservation_id);
    expect(commit).toMatchObject({ status: 409, body: { error: { code: 'reservation_expired' } } });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 5, reserved: 0 });
    for (const store of stores()) {
      await eventually(
        async () =>
          (await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`)).body
            .reserved_stock === 0,
      );
    }
  });

  it('answers unknown and malformed reservation ids with 404 and 400', async () => {
    const unknown = await api(
      main().url,
      'POST',
      '/reservations/8b7f1a52-5c1e-4c4e-9d55-0d6f4f2a1b3c/commit',
    );
    expect(unknown).toMatchObject({
      status: 404,
      body: { error: { code: 'reservation_not_found' } },
    });
    const malformed = await api(main().url, 'GET', '/reservations/not-a-uuid');
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: { fields: { id: expect.any(Array) } } },
    });
    const bad = await reserve(main(), 'OLJCESPC7Z', { quantity: 0, ttl_seconds: 99999999 });
    expect(bad.status).toBe(400);
    expect(
      Object.keys((bad.body as unknown as { error: { fields: object } }).error.fields).sort(),
    ).toEqual(['quantity', 'ttl_seconds']);
  });
});

describe('the expiry sweeper', () => {
  it('releases holds from any number of instances at once, each exactly once, and tells the client that made it wherever it is connected', async () => {
    const sweepers = await startStores(['north-store', 'south-store', 'east-store'], {
      checkout: { reservationSweepMs: 100 },
    });
    const client = await socketClient(stores()[1].url, { client_id: 'checkout-42' });
    try {
      const id = await createProduct([...stores(), ...sweepers], { 'main-store': 30 });
      const holds = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          reserve(stores()[i % 3]!, id, {
            warehouse: 'main-store',
            quantity: 2,
            ttl_seconds: 1,
            ...(i < 4 && { client_id: 'checkout-42' }),
          }),
        ),
      );
      expect(holds.every((h) => h.status === 201)).toBe(true);
      await eventually(async () => (await stockRow(id, 'main-store'))?.reserved === 0, 10_000);
      expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 30, reserved: 0 });
      const statuses = await withDb(
        async (db) =>
          (
            await db.query<{ status: string }>(
              'select status from reservations where product_id = $1',
              [id],
            )
          ).rows,
      );
      expect(statuses.map((s) => s.status)).toEqual(Array(10).fill('expired'));
      await eventually(() => client.expired.length >= 4);
      await sleep(300);
      expect(client.expired.map((n) => n.reservation_id).sort()).toEqual(
        holds
          .slice(0, 4)
          .map((h) => h.body.reservation_id)
          .sort(),
      );
      for (const store of [...stores(), ...sweepers]) {
        await eventually(
          async () =>
            (await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`)).body
              .reserved_stock === 0,
        );
      }
    } finally {
      client.close();
      await Promise.all(sweepers.map((s) => s.close()));
    }
  });
});

interface OrderBody {
  order_id: string;
  success: boolean;
  message: string;
  order_data: unknown;
}

describe('orders', () => {
  it('takes stock for every line in one go', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const b = await createProduct(stores(), { 'downtown-store': 10 });
    const res = await api<OrderBody>(stores()[1].url, 'POST', '/orders', {
      order_id: 'order-all-1',
      lines: [
        { product_id: a, quantity: 2, warehouse: 'main-store' },
        { product_id: b, quantity: 3 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ order_id: 'order-all-1', success: true });
    expect(await stockRow(a, 'main-store')).toMatchObject({ on_hand: 8 });
    expect(await stockRow(b, 'downtown-store')).toMatchObject({ on_hand: 7 });
    const rows = await withDb(
      async (db) =>
        (
          await db.query<{ product_id: string; change: number }>(
            'select product_id, change from inventory_events where order_id = $1 order by id',
            ['order-all-1'],
          )
        ).rows,
    );
    expect(rows).toEqual([
      { product_id: a, change: -2 },
      { product_id: b, change: -3 },
    ]);
  });

  it('takes nothing when one line of a multi-line order is short', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const b = await createProduct(stores(), { 'main-store': 1 });
    const before = [
      await stockRow(a, 'main-store'),
      await stockRow(b, 'main-store'),
      await ledger(a),
      await ledger(b),
    ];
    const res = await api<OrderBody & { error: { code: string } }>(main().url, 'POST', '/orders', {
      order_id: 'order-short-1',
      lines: [
        { product_id: a, quantity: 4 },
        { product_id: b, quantity: 2 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      order_id: 'order-short-1',
      success: false,
      error: { code: 'insufficient_stock' },
    });
    expect(res.body.message).toContain('line 1');
    expect([
      await stockRow(a, 'main-store'),
      await stockRow(b, 'main-store'),
      await ledger(a),
      await ledger(b),
    ]).toEqual(before);
  });

  it('accepts the single-line form and applies an order_id at most once', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const first = await api<OrderBody>(main().url, 'POST', '/orders', {
      order_id: 77001,
      product_id: a,
      quantity: 2,
    });
    expect(first).toMatchObject({ status: 201, body: { order_id: '77001', success: true } });
    const again = await api<OrderBody>(stores()[2].url, 'POST', '/orders', {
      order_id: '77001',
      product_id: a,
      quantity: 2,
    });
    expect(again).toMatchObject({
      status: 200,
      body: { success: true, message: expect.stringContaining('already applied') },
    });
    expect(await stockRow(a, 'main-store')).toMatchObject({ on_hand: 8 });
  });

  it('names the bad field of a malformed order', async () => {
    const res = await api<{ error: { fields: Record<string, string[]> } }>(
      main().url,
      'POST',
      '/orders',
      {
        order_id: 'x',
        lines: [{ product_id: 'OLJCESPC7Z', quantity: -1 }],
      },
    );
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toEqual(['lines.0.quantity']);
  });
});

describe('idempotency', () => {
  it('answers a retry with the same key and body with the first response, changing stock once', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const headers = { 'Idempotency-Key': `sale-${id}` };
    const body = { change: -2, update_type: 'sale' };
    const first = await api<ProductInventory>(
      main().url,
      'POST',
      `/inventory/${id}/update`,
      body,
      headers,
    );
    await api(main().url, 'POST', `/inventory/${id}/update`, { change: 5, update_type: 'restock' });
    const retry = await fetch(`${stores()[1].url}/inventory/${id}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEYS.admin), ...headers },
      body: JSON.stringify(body),
    });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(first.body);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 13 });
    expect((await ledger(id)).filter((r) => r.update_type === 'sale')).toHaveLength(1);
  });

  it('applies concurrent requests with one key once', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const headers = { 'Idempotency-Key': `burst-${id}` };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api<Receipt>(
          stores()[i % 3]!.url,
          'POST',
          `/inventory/${id}/reserve`,
          { quantity: 3, warehouse: 'main-store' },
          headers,
        ),
      ),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.body.reservation_id)).size).toBe(1);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 10, reserved: 3 });
  });

  it('refuses the same key with a different body with 422, changing nothing', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const headers = { 'Idempotency-Key': `mixed-${id}` };
    await api(
      main().url,
      'POST',
      `/inventory/${id}/update`,
      { change: -1, update_type: 'sale' },
      headers,
    );
    const other = await api(
      main().url,
      'POST',
      `/inventory/${id}/update`,
      { change: -3, update_type: 'sale' },
      headers,
    );
    expect(other).toMatchObject({
      status: 422,
      body: { error: { code: 'idempotency_key_reused' } },
    });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 9 });
    const badKey = await api(
      main().url,
      'POST',
      `/inventory/${id}/update`,
      { change: -1, update_type: 'sale' },
      { 'Idempotency-Key': 'x'.repeat(300) },
    );
    expect(badKey).toMatchObject({
      status: 400,
      body: { error: { fields: { 'Idempotency-Key': expect.any(Array) } } },
    });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 9 });
  });
});

describe('never oversold', () => {
  it('takes exactly 100 units when 600 sales, holds and orders race for them across three stores', async () => {
    const id = await createProduct(stores(), { 'main-store': 100 });
    const requests = Array.from({ length: 600 }, (_, i) => {
      const store = stores()[i % 3]!;
      switch (i % 3) {
        case 0:
          return api(store.url, 'POST', `/inventory/${id}/update`, {
            warehouse: 'main-store',
            change: -1,
            update_type: 'sale',
          });
        case 1:
          return api(store.url, 'POST', `/inventory/${id}/reserve`, {
            warehouse: 'main-store',
            quantity: 1,
          });
        default:
          return api(store.url, 'POST', '/orders', {
            order_id: `race-${id}-${i}`,
            lines: [{ product_id: id, warehouse: 'main-store', quantity: 1 }],
          });
      }
    });
    const results = await Promise.all(requests);
    const won = results.filter((r) => r.status === 200 || r.status === 201);
    expect(won).toHaveLength(100);
    expect(results.filter((r) => r.status === 409)).toHaveLength(500);

    const row = (await stockRow(id, 'main-store'))!;
    const held = results.filter((r, i) => i % 3 === 1 && r.status === 201).length;
    expect(row).toMatchObject({ reserved: held, on_hand: held });
    expect(row.reserved).toBeLessThanOrEqual(row.on_hand);
    const rows = await ledger(id);
    expect(rows.reduce((sum, r) => sum + r.change, 0)).toBe(row.on_hand);
    for (let i = 1; i < rows.length; i++)
      expect(rows[i]!.previous_quantity).toBe(rows[i - 1]!.new_quantity);
    await cachesMatchDatabase(stores(), [id]);
  });
});
