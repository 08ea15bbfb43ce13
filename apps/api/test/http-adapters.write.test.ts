import type { ProductInventory } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { ledger, stockRow } from './support/database.js';
import { bearer, KEYS, requestsCounted } from './support/http.js';
import { createProduct } from './support/products.js';
import { serveOnExpress, startStores, useExpress, useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const express = useExpress(() => stores()[0]);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Headers that differ from one response to the next whoever answers. */
const PER_RESPONSE = new Set([
  'date',
  'x-request-id',
  'connection',
  'keep-alive',
  'content-length',
]);

async function post(
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
  base = stores()[0].url,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: Object.fromEntries([...res.headers].filter(([name]) => !PER_RESPONSE.has(name))),
    body: text === '' ? null : (JSON.parse(text) as unknown),
  };
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** The same request answered by the store's node:http adapter and by its Express adapter. */
async function bothWays(id: string, body: string | undefined, headers: Record<string, string>) {
  const fast = await post(`/inventory/${id}/update`, body, headers);
  const slow = await post(`/inventory/${id}/update`, body, headers, express().url);
  return { fast, slow };
}

describe('POST /inventory/{id}/update through node:http and through Express', () => {
  it('makes the change and answers as the Express adapter does: body, status, headers', async () => {
    const [a, b] = [
      await createProduct(stores(), { 'main-store': 10 }),
      await createProduct(stores(), { 'main-store': 10 }),
    ];
    const sale = JSON.stringify({ change: -3, update_type: 'sale' });
    const headers = { ...JSON_TYPE, ...bearer(KEYS.staff) };
    const fast = await post(`/inventory/${a}/update`, sale, headers);
    const slow = await post(`/inventory/${b}/update`, sale, headers, express().url);
    expect(fast.status).toBe(200);
    expect(slow.status).toBe(200);
    expect(fast.headers).toEqual(slow.headers);
    expect(fast.headers['x-content-type-options']).toBe('nosniff');
    const same = (view: unknown, id: string) =>
      JSON.parse(JSON.stringify(view).replaceAll(id, 'ID')) as ProductInventory;
    const [fastView, slowView] = [same(fast.body, a), same(slow.body, b)];
    expect({ ...fastView, last_updated: null }).toEqual({ ...slowView, last_updated: null });
    expect(fastView.total_stock).toBe(7);
    expect((await stockRow(a, 'main-store'))?.on_hand).toBe(7);
    const row = (await ledger(a)).at(-1);
    expect(row).toMatchObject({ change: -3, update_type: 'sale', actor: 'key:test-staff' });
  });

  it('refuses what the Express adapter refuses, with the same error, and writes nothing', async () => {
    const id = await createProduct(stores(), { 'main-store': 2 });
    const before = await ledger(id);
    const staff = { ...JSON_TYPE, ...bearer(KEYS.staff) };
    const sale = (change: number) => JSON.stringify({ change, update_type: 'sale' });
    const cases: Array<[string, string, string | undefined, Record<string, string>, number]> = [
      ['no credential', id, sale(-1), JSON_TYPE, 401],
      [
        'a key no store knows',
        id,
        sale(-1),
        { ...JSON_TYPE, ...bearer('nobody-knows-this-key') },
        401,
      ],
      ['a malformed Authorization', id, sale(-1), { ...JSON_TYPE, authorization: 'Basic x' }, 401],
      [
        'a role too small for damage',
        id,
        JSON.stringify({ change: -1, update_type: 'damage' }),
        staff,
        403,
      ],
      ['a body that is not JSON', id, '{"change": -1,', staff, 400],
      ['a JSON string for a body', id, '"sale"', staff, 400],
      ['an empty body', id, '', staff, 400],
      // Only spaces and tabs may pad a media type; body-parser reads no body behind this one.
      [
        'a media type padded with U+00A0',
        id,
        sale(-1),
        { ...staff, 'content-type': 'application/json\u00a0' },
        400,
      ],
      ['bad JSON even without a credential', id, '{oops', JSON_TYPE, 400],
      [
        'a change of the wrong sign',
        id,
        JSON.stringify({ change: 1, update_type: 'sale' }),
        staff,
        400,
      ],
      ['a change of zero', id, sale(0), staff, 400],
      [
        'an unknown update type',
        id,
        JSON.stringify({ change: -1, update_type: 'theft' }),
        staff,
        400,
      ],
      ['a fractional change', id, sale(-1.5), staff, 400],
      ['a field named like a prototype method', id, '{"toString": 1}', staff, 400],
      [
        'an unknown warehouse name that is not a name',
        id,
        JSON.stringify({ change: -1, update_type: 'sale', warehouse: '../x' }),
        staff,
        400,
      ],
      ['more than there is', id, sale(-3), staff, 409],
      ['an unknown product', 'NOSUCHPRODUCT', sale(-1), staff, 404],
    ];
    for (const [what, product, body, headers, status] of cases) {
      const { fast, slow } = await bothWays(product, body, headers);
      expect({ what, ...fast }).toEqual({ what, ...slow });
      expect({ what, status: fast.status }).toEqual({ what, status });
      expect(fast.body).toMatchObject({
        error: { code: expect.any(String), message: expect.any(String) },
      });
    }
    expect((await stockRow(id, 'main-store'))?.on_hand).toBe(2);
    expect(await ledger(id)).toEqual(before);
  });

  it('refuses bodies body-parser refuses, and replays a keyed write', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const staff = bearer(KEYS.staff);
    const sale = JSON.stringify({ change: -1, update_type: 'sale' });
    // A form body, a charset other than UTF-8, a body over the limit: body-parser's refusals.
    const form = await post(`/inventory/${id}/update`, 'change=-1', {
      ...staff,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(400);
    const latin1 = await post(`/inventory/${id}/update`, sale, {
      ...staff,
      'content-type': 'application/json; charset=latin1',
    });
    expect(latin1.status).toBe(415);
    const huge = await post(
      `/inventory/${id}/update`,
      JSON.stringify({ pad: 'x'.repeat(70_000) }),
      {
        ...staff,
        ...JSON_TYPE,
      },
    );
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    // An Idempotency-Key: the response is kept and replayed.
    const keyed = { ...staff, ...JSON_TYPE, 'idempotency-key': `fast-write-${id}` };
    const first = await post(`/inventory/${id}/update`, sale, keyed);
    const again = await post(`/inventory/${id}/update`, sale, keyed);
    expect(first.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await stockRow(id, 'main-store'))?.on_hand).toBe(9);
  });

  it('keeps the caller’s request id in the response and the ledger', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const res = await fetch(`${stores()[0].url}/inventory/${id}/update`, {
      method: 'POST',
      headers: { ...JSON_TYPE, ...bearer(KEYS.staff), 'x-request-id': 'till-9:receipt-7' },
      body: JSON.stringify({ change: -1, update_type: 'sale' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('till-9:receipt-7');
    expect((await ledger(id)).at(-1)?.request_id).toBe('till-9:receipt-7');
  });

  it('counts what it answers in the request metrics, under the route', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const url = stores()[0].url;
    const counted = (status: number) =>
      requestsCounted(url, 'POST', '/inventory/:product_id/update', status);
    const [ok, refused] = [await counted(200), await counted(409)];
    const headers = { ...JSON_TYPE, ...bearer(KEYS.staff) };
    for (let i = 0; i < 3; i++) {
      await post(
        `/inventory/${id}/update`,
        JSON.stringify({ change: -1, update_type: 'sale' }),
        headers,
      );
    }
    await post(
      `/inventory/${id}/update`,
      JSON.stringify({ change: -9, update_type: 'sale' }),
      headers,
    );
    expect(await counted(200)).toBe(ok + 3);
    expect(await counted(409)).toBe(refused + 1);
  });

  it('answers 429 with Retry-After on both adapters once a credential’s budget is spent', async () => {
    const [limited] = await startStores(['limited-store'], {
      access: { rateLimits: { windowMs: 60_000, perCredential: 1, perIp: 0 } },
    });
    const limitedExpress = await serveOnExpress(limited!);
    try {
      const id = await createProduct(stores(), { 'main-store': 5 });
      // A key of its own, so that no other test's writes count against its budget.
      const made = await fetch(`${stores()[0].url}/keys`, {
        method: 'POST',
        headers: { ...JSON_TYPE, ...bearer(KEYS.admin) },
        body: JSON.stringify({ id: `fast-write-${id.toLowerCase()}`, role: 'staff' }),
      });
      expect(made.status).toBe(201);
      const { secret } = (await made.json()) as { secret: string };
      const headers = { ...JSON_TYPE, ...bearer(secret) };
      const sale = JSON.stringify({ change: -1, update_type: 'sale', warehouse: 'main-store' });
      const at = (base: string) =>
        fetch(`${base}/inventory/${id}/update`, { method: 'POST', headers, body: sale });
      expect((await at(limited!.url)).status).toBe(200);
      const fast = await at(limited!.url);
      const slow = await at(limitedExpress.url);
      for (const res of [fast, slow]) {
        expect(res.status).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ error: { code: 'rate_limited' } });
      }
      expect((await stockRow(id, 'main-store'))?.on_hand).toBe(4);
    } finally {
      await limitedExpress.close();
      await limited?.close();
    }
  });
});
