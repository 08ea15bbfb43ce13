import type { ProductInventory } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS, requestsCounted } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores, useExpress, useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const express = useExpress(() => stores()[0]);

async function raw(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Headers that differ from one response to the next whoever answers. */
const PER_RESPONSE = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
const lasting = (headers: Headers) =>
  Object.fromEntries([...headers.entries()].filter(([name]) => !PER_RESPONSE.has(name)));

describe('GET /inventory/{id} through node:http and through Express', () => {
  it('answers with the bytes and headers of the Express adapter: security headers, CORS, staleness', async () => {
    const id = await createProduct(stores(), { 'main-store': 7, 'downtown-store': 3 });
    const path = `/inventory/${id}`;
    const [fast, slow] = await Promise.all([
      raw(`${stores()[0].url}${path}`),
      raw(`${express().url}${path}`),
    ]);
    expect(fast.status).toBe(200);
    expect(fast.body.equals(slow.body)).toBe(true);
    expect(lasting(fast.headers)).toEqual(lasting(slow.headers));
    expect(fast.headers.get('x-content-type-options')).toBe('nosniff');
    expect(fast.headers.get('x-stockwire-stale')).toBe('false');
    expect(JSON.parse(fast.body.toString())).toMatchObject({ product_id: id, total_stock: 10 });
  });

  it('counts what it serves in the request metrics, under the route', async () => {
    const id = await createProduct(stores(), { 'main-store': 1 });
    const url = stores()[0].url;
    const served = () => requestsCounted(url, 'GET', '/inventory/:product_id', 200);
    const before = await served();
    for (let i = 0; i < 5; i++) await raw(`${url}/inventory/${id}`);
    expect(await served()).toBe(before + 5);
  });

  it('keeps the caller’s request id, as the request logger does', async () => {
    const id = await createProduct(stores(), { 'main-store': 1 });
    const res = await raw(`${stores()[0].url}/inventory/${id}`, {
      headers: { 'x-request-id': 'till-7:receipt-42' },
    });
    expect(res.headers.get('x-request-id')).toBe('till-7:receipt-42');
    const fresh = await raw(`${stores()[0].url}/inventory/${id}`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[\w-]{36}$/);
  });

  it('serves a change at once at the store that made it, and at the others once they hear of it', async () => {
    const id = await createProduct(stores(), { 'main-store': 7 });
    const [main, downtown] = stores();
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

  it('answers credentials, origins, unknown and escaped ids, other methods and paths alike on both', async () => {
    const id = await createProduct(stores(), { 'main-store': 1 });
    const url = stores()[0].url;
    const unknown = await raw(`${url}/inventory/NOSUCHPRODUCT`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toMatchObject({
      error: { code: 'product_not_found' },
    });
    const badKey = { authorization: 'Bearer not-a-key-of-this-store-at-all' };
    const [withBadKey, withBadKeySlow] = await Promise.all([
      raw(`${url}/inventory/${id}`, { headers: badKey }),
      raw(`${express().url}/inventory/${id}`, { headers: badKey }),
    ]);
    expect(withBadKey.status).toBe(withBadKeySlow.status);
    const goodKey = await raw(`${url}/inventory/${id}`, { headers: bearer(KEYS.staff) });
    expect(goodKey.status).toBe(200);
    const origin = { origin: 'http://elsewhere.example' };
    const [fromOrigin, fromOriginSlow] = await Promise.all([
      raw(`${url}/inventory/${id}`, { headers: origin }),
      raw(`${express().url}/inventory/${id}`, { headers: origin }),
    ]);
    expect(lasting(fromOrigin.headers)).toEqual(lasting(fromOriginSlow.headers));
    const escaped = await raw(`${url}/inventory/${encodeURIComponent(id).replace(/^T/, '%54')}`);
    expect(escaped.status).toBe(200);
    expect(JSON.parse(escaped.body.toString())).toMatchObject({ product_id: id });
    const head = await raw(`${url}/inventory/${id}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const sub = await raw(`${url}/inventory/${id}/update`);
    expect(sub.status).toBe(404);
  });

  it('refuses a read without a credential when reads need one', async () => {
    const [guarded] = await startStores(['airport-store'], { access: { readsPublic: false } });
    try {
      const id = await createProduct([stores()[0]], { 'main-store': 1 });
      const read = (headers: Record<string, string> = {}) =>
        raw(`${guarded!.url}/inventory/${id}`, { headers });
      await eventually(async () => (await read(bearer(KEYS.staff))).status === 200);
      expect((await read()).status).toBe(401);
    } finally {
      await guarded?.close();
    }
  });
});
