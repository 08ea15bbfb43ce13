import type { ProductInventory } from '@stockwire/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { api, createProduct, eventually, startStores } from './helpers.js';

let stores: StoreInstance[];

beforeAll(async () => {
  stores = await startStores(['main-store', 'downtown-store']);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

async function raw(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('GET /inventory/{id} before Express', () => {
  it('answers with the same bytes and headers as the Express route', async () => {
    const id = await createProduct(stores, { 'main-store': 7, 'downtown-store': 3 });
    const base = `${stores[0]!.url}/inventory/${id}`;
    // A query string is left to Express, which ignores it: the same resource, the slow way.
    const [fast, slow] = await Promise.all([raw(base), raw(`${base}?via=express`)]);
    expect(fast.status).toBe(200);
    expect(fast.body.equals(slow.body)).toBe(true);
    for (const header of ['content-type', 'content-length', 'x-content-type-options']) {
      expect(fast.headers.get(header)).toBe(slow.headers.get(header));
    }
    expect(fast.headers.get('x-content-type-options')).toBe('nosniff');
    expect(JSON.parse(fast.body.toString())).toMatchObject({ product_id: id, total_stock: 10 });
  });

  it('serves a change at once at the store that made it, and at the others once they hear of it', async () => {
    const id = await createProduct(stores, { 'main-store': 7 });
    const [main, downtown] = stores as [StoreInstance, StoreInstance];
    await api(main.url, 'GET', `/inventory/${id}`);
    await api(downtown.url, 'GET', `/inventory/${id}`);
    const sale = await api<ProductInventory>(main.url, 'POST', `/inventory/${id}/update`, {
      change: -2,
      update_type: 'sale',
    });
    expect(sale.status).toBe(200);
    const after = await api<ProductInventory>(main.url, 'GET', `/inventory/${id}`);
    expect(after.body).toEqual(sale.body);
    await eventually(
      async () =>
        (await api<ProductInventory>(downtown.url, 'GET', `/inventory/${id}`)).body.total_stock ===
        5,
    );
  });

  it('leaves unknown and escaped ids, other methods and other paths to Express', async () => {
    const id = await createProduct(stores, { 'main-store': 1 });
    const url = stores[0]!.url;
    const unknown = await raw(`${url}/inventory/NOSUCHPRODUCT`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toMatchObject({
      error: { code: 'product_not_found' },
    });
    expect(unknown.headers.get('x-content-type-options')).toBe('nosniff');
    const escaped = await raw(`${url}/inventory/${encodeURIComponent(id).replace(/^T/, '%54')}`);
    expect(escaped.status).toBe(200);
    expect(JSON.parse(escaped.body.toString())).toMatchObject({ product_id: id });
    const head = await raw(`${url}/inventory/${id}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const sub = await raw(`${url}/inventory/${id}/update`);
    expect(sub.status).toBe(404);
  });
});
