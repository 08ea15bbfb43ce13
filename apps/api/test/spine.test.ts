import type { ProductInventory, ProductPage } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { socketClient, wsClient } from './support/clients.js';
import { ledger, stockRow } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { sellOutAtOnce } from './support/sell-out.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store', 'mall-store']);
const main = () => stores()[0];

describe('three stores, one truth', () => {
  it('serves the seeded catalogue from every store', async () => {
    for (const store of stores()) {
      const { status, body: page } = await api<ProductPage<ProductInventory>>(
        store.url,
        'GET',
        '/inventory',
      );
      expect(status).toBe(200);
      expect(page.total).toBe(page.products.length);
      const body = page.products;
      const sunglasses = body.find((p) => p.product_id === 'OLJCESPC7Z');
      expect(sunglasses).toMatchObject({ name: 'Sunglasses' });
      expect(Object.keys(sunglasses!.warehouses).sort()).toEqual([
        'downtown-store',
        'main-store',
        'mall-store',
      ]);
      expect(body.map((p) => p.product_id)).toEqual(
        expect.arrayContaining(['66VCHSJNUP', '6E92ZMYYFZ']),
      );
    }
  });

  it('shows a sale made at one store in GET /inventory/{id} at the other two', async () => {
    const id = await createProduct(stores(), { 'main-store': 20, 'mall-store': 5 });
    const res = await api<ProductInventory>(main().url, 'POST', `/inventory/${id}/update`, {
      change: -3,
      update_type: 'sale',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      product_id: id,
      total_stock: 22,
      warehouses: { 'main-store': 17, 'mall-store': 5 },
    });
    for (const other of stores().slice(1)) {
      await eventually(async () => {
        const { body } = await api<ProductInventory>(other.url, 'GET', `/inventory/${id}`);
        return body.warehouses['main-store'] === 17;
      });
      const { body } = await api<ProductInventory>(other.url, 'GET', `/inventory/${id}`);
      expect(body).toEqual(res.body);
    }
  });

  it("sells from the store's own location when no warehouse is given, and from the named one otherwise", async () => {
    const id = await createProduct(stores(), { 'main-store': 10, 'downtown-store': 10 });
    const downtown = stores()[1];
    await api(downtown.url, 'POST', `/inventory/${id}/update`, { change: -4, update_type: 'sale' });
    await api(downtown.url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'main-store',
      change: -1,
      update_type: 'damage',
    });
    expect(await stockRow(id, 'downtown-store')).toMatchObject({ on_hand: 6, version: 2 });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 9, version: 2 });
  });

  it('delivers each change exactly once as `update` to Socket.IO and /ws clients of every store', async () => {
    const id = await createProduct(stores(), { 'main-store': 50 });
    const sockets = await Promise.all(stores().map((s) => socketClient(s.url)));
    const plain = await Promise.all(stores().map((s) => wsClient(s.url)));
    try {
      for (const client of sockets) {
        expect(client.snapshots[0]!.some((p) => p.product_id === id)).toBe(true);
      }
      for (const client of plain) {
        expect(client.messages[0]).toMatchObject({ type: 'snapshot' });
      }
      const seller = stores()[2];
      await api(seller.url, 'POST', `/inventory/${id}/update`, {
        warehouse: 'main-store',
        change: -2,
        update_type: 'sale',
      });
      await api(seller.url, 'POST', `/inventory/${id}/update`, {
        warehouse: 'main-store',
        change: 7,
        update_type: 'restock',
      });
      const versions = (updates: { product_id: string; version: number }[]) =>
        updates.filter((u) => u.product_id === id).map((u) => u.version);
      await eventually(() =>
        [
          ...sockets.map((c) => versions(c.updates)),
          ...plain.map((c) => versions(c.updates())),
        ].every((v) => v.includes(3)),
      );
      // Give a duplicate (e.g. one relayed through the Socket.IO adapter) time to show up.
      await new Promise((r) => setTimeout(r, 200));
      for (const client of sockets) expect(versions(client.updates)).toEqual([2, 3]);
      for (const client of plain) expect(versions(client.updates())).toEqual([2, 3]);

      const update = sockets[0]!.updates.find((u) => u.product_id === id && u.version === 2)!;
      expect(update).toMatchObject({
        product_id: id,
        warehouse: 'main-store',
        quantity: 48,
        change: -2,
        update_type: 'sale',
        store: 'mall-store',
        total_stock: 48,
        reserved_stock: 0,
        available_stock: 48,
      });
      expect(typeof update.timestamp).toBe('string');
    } finally {
      sockets.forEach((c) => c.close());
      plain.forEach((c) => c.close());
    }
  });

  it('adds a product at one store and serves it at all of them', async () => {
    const { status, body } = await api<ProductInventory>(main().url, 'POST', '/products', {
      name: 'Desk Lamp',
      description: 'Warm light',
      low_stock_threshold: 3,
      stock: { 'mall-store': 12 },
    });
    expect(status).toBe(201);
    expect(body.product_id).toMatch(/^[A-Z0-9]{10}$/);
    expect(body).toMatchObject({
      name: 'Desk Lamp',
      total_stock: 12,
      warehouses: { 'mall-store': 12 },
    });
    for (const store of stores()) {
      await eventually(
        async () => (await api(store.url, 'GET', `/inventory/${body.product_id}`)).status === 200,
      );
    }
    const catalogue = await api<ProductPage<{ product_id: string }>>(
      stores()[1].url,
      'GET',
      '/products',
    );
    expect(catalogue.body.products).toContainEqual({
      product_id: body.product_id,
      name: 'Desk Lamp',
      description: 'Warm light',
      low_stock_threshold: 3,
    });
    const again = await api(main().url, 'POST', '/products', {
      product_id: body.product_id,
      name: 'Other',
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'product_exists', field: 'product_id' } });
  });
});

describe('refusals write nothing', () => {
  it('refuses a change that would make stock negative with 409, leaving stock, version and ledger as they were', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const before = { row: await stockRow(id, 'main-store'), ledger: await ledger(id) };
    const res = await api(main().url, 'POST', `/inventory/${id}/update`, {
      change: -6,
      update_type: 'sale',
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: {
        code: 'insufficient_stock',
        message: expect.stringContaining('5 available'),
        available_stock: 5,
        warehouse: 'main-store',
      },
    });
    expect(await stockRow(id, 'main-store')).toEqual(before.row);
    expect(await ledger(id)).toEqual(before.ledger);
    const view = await api<ProductInventory>(stores()[1].url, 'GET', `/inventory/${id}`);
    expect(view.body.warehouses['main-store']).toBe(5);
  });

  it('refuses a sale at a location that does not exist', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const res = await api(main().url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'nowhere',
      change: -1,
      update_type: 'sale',
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'location_not_found', warehouse: 'nowhere' } });
    expect(await stockRow(id, 'nowhere')).toBeUndefined();
  });

  it('answers an unknown product with 404', async () => {
    const get = await api(main().url, 'GET', '/inventory/NOSUCHPRODUCT');
    expect(get.status).toBe(404);
    expect(get.body).toMatchObject({ error: { code: 'product_not_found' } });
    const post = await api(main().url, 'POST', '/inventory/NOSUCHPRODUCT/update', {
      change: 1,
      update_type: 'restock',
    });
    expect(post.status).toBe(404);
    expect(await ledger('NOSUCHPRODUCT')).toEqual([]);
  });

  it.each([
    ['a string change', { change: '-1', update_type: 'sale' }, 'change'],
    ['a sale with a positive change', { change: 2, update_type: 'sale' }, 'change'],
    ['an unknown update type', { change: -1, update_type: 'theft' }, 'update_type'],
    ['a missing change', { update_type: 'sale' }, 'change'],
    ['an unknown field', { change: -1, update_type: 'sale', qty: 3 }, 'qty'],
    ['a bad warehouse name', { change: -1, update_type: 'sale', warehouse: '../etc' }, 'warehouse'],
    ['a non-object body', [1, 2, 3], 'body'],
  ])('answers %s with 400 naming the field', async (_what, body, field) => {
    const id = 'OLJCESPC7Z';
    const before = await stockRow(id, 'main-store');
    const res = await api<{ error: { code: string; fields: Record<string, string[]> } }>(
      main().url,
      'POST',
      `/inventory/${id}/update`,
      body,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.fields)).toContain(field);
    expect(await stockRow(id, 'main-store')).toEqual(before);
  });

  it('answers malformed JSON, an oversized body and unknown routes with JSON errors', async () => {
    const bad = await api(main().url, 'POST', '/inventory/OLJCESPC7Z/update', '{"change": -1,');
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed', fields: { body: expect.any(Array) } } },
    });
    const huge = await api(main().url, 'POST', '/products', { name: 'x'.repeat(200_000) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const missing = await api(main().url, 'GET', '/nope');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const badId = await api(main().url, 'GET', `/inventory/${encodeURIComponent('bad id!')}`);
    expect(badId).toMatchObject({
      status: 400,
      body: { error: { fields: { product_id: expect.any(Array) } } },
    });
  });
});

describe('the ledger', () => {
  it('records every change with previous and new quantities that chain, and versions that count', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const moves: Array<[number, string, string]> = [
      [-3, 'sale', 'main-store'],
      [5, 'restock', 'downtown-store'],
      [1, 'return', 'mall-store'],
      [-2, 'damage', 'main-store'],
      [4, 'adjustment', 'downtown-store'],
      [-1, 'adjustment', 'mall-store'],
    ];
    for (const [index, [change, update_type, at]] of moves.entries()) {
      const store = stores()[index % 3]!;
      const res = await api(
        store.url,
        'POST',
        `/inventory/${id}/update`,
        { warehouse: at === 'main-store' ? undefined : 'main-store', change, update_type },
        { 'x-request-id': `req-${index}` },
      );
      expect(res.status).toBe(200);
    }
    const rows = await ledger(id);
    expect(rows.map((r) => r.change)).toEqual([10, -3, 5, 1, -2, 4, -1]);
    expect(rows[0]).toMatchObject({
      update_type: 'restock',
      previous_quantity: 0,
      new_quantity: 10,
      version: 1,
    });
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i]!.previous_quantity).toBe(rows[i - 1]!.new_quantity);
      expect(rows[i]!.new_quantity).toBe(rows[i]!.previous_quantity + rows[i]!.change);
      expect(rows[i]!.version).toBe(rows[i - 1]!.version + 1);
    }
    expect(rows.slice(1).map((r) => r.request_id)).toEqual(moves.map((_, i) => `req-${i}`));
    expect(rows.slice(1).map((r) => r.store)).toEqual(
      moves.map((_, i) => stores()[i % 3]!.config.store.name),
    );
    expect(await stockRow(id, 'main-store')).toMatchObject({
      on_hand: rows.at(-1)!.new_quantity,
      version: 7,
    });
  });
});

describe('concurrency', () => {
  it('never oversells when the three stores sell the same units at once', async () => {
    const { id } = await sellOutAtOnce(stores(), { stock: 20, attempts: 60 });
    for (const store of stores()) {
      await eventually(async () => {
        const { body } = await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`);
        return body.version === 21;
      });
      const { body } = await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`);
      expect(body.warehouses['main-store']).toBe(0);
    }
  });
});
