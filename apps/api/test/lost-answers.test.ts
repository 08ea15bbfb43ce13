import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { ledger, stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { lossyProxy, type LossyProxy } from './support/lossy.proxy.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { startStores } from './support/stores.js';

// One store reaches the database through a proxy that loses what it is told to lose; a second
// store, reaching it directly, shows what every other store sees.
let proxy: LossyProxy;
let lossy: StoreInstance;
let other: StoreInstance;

beforeAll(async () => {
  proxy = await lossyProxy(stack().supabaseUrl);
  [lossy = fail()] = await startStores(['main-store'], { database: { supabaseUrl: proxy.url } });
  [other = fail()] = await startStores(['downtown-store']);
});
afterEach(() => proxy.disarm());
afterAll(async () => {
  await Promise.all([lossy?.close(), other?.close()]);
  await proxy?.close();
});

const fail = (): never => {
  throw new Error('the store did not start');
};

const APPLY = '/rpc/apply_stock_changes';
const OUTCOMES = '/rpc/write_outcomes';

function sale(id: string, headers: Record<string, string>) {
  return api<{ warehouses: Record<string, number>; error?: { code: string; request_id?: string } }>(
    lossy.url,
    'POST',
    `/inventory/${id}/update`,
    { change: -2, update_type: 'sale', warehouse: 'main-store' },
    headers,
  );
}

/** A POST with a staff key and an Idempotency-Key, answered with the replay header. */
async function keyed(store: StoreInstance, path: string, key: string, body: unknown) {
  const res = await fetch(`${store.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(KEYS.admin), 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  const answer: unknown = await res.json();
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: answer };
}

const productsNamed = (name: string) =>
  withDb(
    async (db) =>
      (await db.query<{ id: string }>('select id from products where name = $1', [name])).rows,
  );

/** Waits until `store` shows `onHand` units of `id` at main-store. */
const onHandAt = (store: StoreInstance, id: string, onHand: number) =>
  eventually(async () => {
    const seen = await api<{ warehouses: Record<string, number> }>(
      store.url,
      'GET',
      `/inventory/${id}`,
    );
    return seen.body.warehouses['main-store'] === onHand;
  });

const salesOf = async (id: string, requestId: string) =>
  (await ledger(id)).filter((r) => r.update_type === 'sale' && r.request_id === requestId);

describe('a write whose answer is lost', () => {
  it('is answered as made when the database committed it, and reaches every store', async () => {
    const id = await createProduct([lossy, other], { 'main-store': 10 });
    const requestId = randomUUID();
    proxy.arm({ match: APPLY, fault: 'drop-answer', times: 1 });

    const res = await sale(id, { 'x-request-id': requestId });

    expect(proxy.applied.get(APPLY)).toBeGreaterThanOrEqual(1);
    expect(res.status).toBe(200);
    expect(res.body.warehouses['main-store']).toBe(8);
    expect(await salesOf(id, requestId)).toHaveLength(1);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 8 });
    await onHandAt(other, id, 8);
  });

  it('is answered outcome_unknown while the ledger cannot be read, and a retry with its key replays it', async () => {
    const id = await createProduct([lossy, other], { 'main-store': 10 });
    const requestId = randomUUID();
    const key = randomUUID();
    proxy.arm({ match: APPLY, fault: 'drop-answer', times: 1 });
    proxy.arm({ match: OUTCOMES, fault: 'drop-request', times: 100 });

    const first = await sale(id, { 'x-request-id': requestId, 'idempotency-key': key });

    expect(first.status).toBe(503);
    expect(first.body.error).toMatchObject({ code: 'outcome_unknown', request_id: requestId });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 8 });

    proxy.disarm();
    const retry = await keyed(lossy, `/inventory/${id}/update`, key, {
      change: -2,
      update_type: 'sale',
      warehouse: 'main-store',
    });
    expect(retry).toMatchObject({ status: 200, replayed: 'true' });
    expect(retry.body).toMatchObject({ warehouses: { 'main-store': 8 } });
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 8 });
    expect((await ledger(id)).filter((r) => r.update_type === 'sale')).toHaveLength(1);
    // The replay is published: the first request lost its answer before it could be.
    await onHandAt(other, id, 8);
  });

  it('is made once when it never reached the database and carries a key', async () => {
    const id = await createProduct([lossy, other], { 'main-store': 10 });
    const requestId = randomUUID();
    proxy.arm({ match: APPLY, fault: 'drop-request', times: 1 });

    const res = await sale(id, { 'x-request-id': requestId, 'idempotency-key': randomUUID() });

    expect(res.status).toBe(200);
    expect(res.body.warehouses['main-store']).toBe(8);
    expect(await salesOf(id, requestId)).toHaveLength(1);
  });

  it('is never answered database_unavailable: without a key and not in the ledger, its outcome is unknown', async () => {
    const id = await createProduct([lossy, other], { 'main-store': 10 });
    const requestId = randomUUID();
    proxy.arm({ match: APPLY, fault: 'drop-request', times: 1 });

    const res = await sale(id, { 'x-request-id': requestId });

    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'outcome_unknown', request_id: requestId });
    expect(await salesOf(id, requestId)).toHaveLength(0);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 10 });
  });
});

describe('POST /products with an Idempotency-Key', () => {
  it('adds one product for two calls with one key; the second answers as the first', async () => {
    const key = randomUUID();
    const body = { name: `Keyed ${key}`, stock: { 'main-store': 3 } };

    const first = await keyed(other, '/products', key, body);
    const second = await keyed(other, '/products', key, body);

    expect(first).toMatchObject({ status: 201, replayed: null });
    expect(second).toMatchObject({ status: 201, replayed: 'true' });
    expect(second.body).toEqual(first.body);
    expect(await productsNamed(body.name)).toHaveLength(1);
    const other_ = await keyed(other, '/products', key, { ...body, name: 'Another' });
    expect(other_).toMatchObject({
      status: 422,
      body: { error: { code: 'idempotency_key_reused' } },
    });
  });

  it('answers a create whose answer was lost outcome_unknown; the retry with the key gives the product made', async () => {
    const key = randomUUID();
    const body = { name: `Lost ${key}`, stock: { 'main-store': 3 } };
    proxy.arm({ match: '/rpc/create_product', fault: 'drop-answer', times: 1 });

    const first = await keyed(lossy, '/products', key, body);
    expect(first).toMatchObject({ status: 503, body: { error: { code: 'outcome_unknown' } } });
    const made = await productsNamed(body.name);
    expect(made).toHaveLength(1);

    const retry = await keyed(lossy, '/products', key, body);
    expect(retry).toMatchObject({
      status: 201,
      replayed: 'true',
      body: { product_id: made[0]!.id },
    });
    expect(await productsNamed(body.name)).toHaveLength(1);
  });
});
