import type { ProductInventory, ReordersPage, StockAlert } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { socketClient, wsClient } from './support/clients.js';
import { stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store', 'mall-store']);

const setPoint = (
  store: StoreInstance,
  product: string,
  location: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  api<ProductInventory>(
    store.url,
    'PATCH',
    `/inventory/${product}/locations/${location}`,
    body,
    headers,
  );

const sell = (store: StoreInstance, product: string, units: number, warehouse = 'main-store') =>
  api(store.url, 'POST', `/inventory/${product}/update`, {
    warehouse,
    change: -units,
    update_type: 'sale',
  });

const restock = (store: StoreInstance, product: string, units: number, warehouse = 'main-store') =>
  api(store.url, 'POST', `/inventory/${product}/update`, {
    warehouse,
    change: units,
    update_type: 'restock',
  });

const view = async (store: StoreInstance, product: string) =>
  (await api<ProductInventory>(store.url, 'GET', `/inventory/${product}`)).body;

const reorders = async (store: StoreInstance, query = '') =>
  api<ReordersPage>(store.url, 'GET', `/reorders${query}`);

/** The reorder crossings the database recorded for a product, oldest first. */
async function recordedReorders(product: string) {
  return withDb(async (db) => {
    const { rows } = await db.query<{
      location: string;
      available: number;
      threshold: number;
      version: string;
    }>(
      `select location, available, threshold, version from stock_alerts
        where product_id = $1 and kind = 'reorder_needed' order by id`,
      [product],
    );
    return rows.map((r) => ({ ...r, version: Number(r.version) }));
  });
}

/** Sets what is in transit to a row directly, as a transfer would, before the row's point is set. */
describe('reorder points', () => {
  it('sets a point and quantity per location, shown at every store per location and as the sum', async () => {
    const id = await createProduct(stores(), { 'main-store': 40, 'mall-store': 12 });
    const [main, downtown, mall] = stores();
    const first = await setPoint(main, id, 'main-store', {
      reorder_point: 15,
      reorder_quantity: 30,
    });
    expect(first.status).toBe(200);
    expect(first.body.locations['main-store']).toMatchObject({
      on_hand: 40,
      reorder_point: 15,
      reorder_quantity: 30,
    });
    expect(first.body.reorder_point).toBe(15);
    // Only the quantity: the point stays.
    const second = await setPoint(downtown, id, 'mall-store', { reorder_point: 5 });
    expect(second.status).toBe(200);
    const third = await setPoint(mall, id, 'main-store', { reorder_quantity: 35 });
    expect(third.body.locations['main-store']).toMatchObject({
      reorder_point: 15,
      reorder_quantity: 35,
    });

    for (const store of stores()) {
      await eventually(async () => (await view(store, id)).reorder_point === 20);
      const seen = await view(store, id);
      expect(seen.locations['main-store']).toMatchObject({
        reorder_point: 15,
        reorder_quantity: 35,
      });
      expect(seen.locations['mall-store']).toMatchObject({ reorder_point: 5, reorder_quantity: 0 });
      // Stock is as it was.
      expect(seen.total_stock).toBe(52);
    }
    // A sale afterwards keeps the point in every cache.
    expect((await sell(downtown, id, 1)).status).toBe(200);
    for (const store of stores()) {
      await eventually(async () => (await view(store, id)).locations['main-store']?.on_hand === 39);
      expect((await view(store, id)).locations['main-store']?.reorder_point).toBe(15);
    }
  });

  it("tells every store's live clients of a changed point, like any change", async () => {
    const id = await createProduct(stores(), { 'main-store': 40 });
    const clients = await Promise.all(stores().map((s) => socketClient(s.url)));
    try {
      expect((await setPoint(stores()[1], id, 'main-store', { reorder_point: 9 })).status).toBe(
        200,
      );
      for (const client of clients) {
        await eventually(() =>
          client.updates.some((u) => u.product_id === id && u.update_type === 'reorder_point'),
        );
        const update = client.updates.find((u) => u.product_id === id)!;
        expect(update).toMatchObject({
          warehouse: 'main-store',
          quantity: 40,
          change: 0,
          version: 2,
        });
      }
    } finally {
      for (const client of clients) client.close();
    }
  });

  it('sets a point where the product has no stock row yet, and lists it at once', async () => {
    const id = await createProduct(stores(), { 'main-store': 3 });
    const res = await setPoint(stores()[0], id, 'central-warehouse', {
      reorder_point: 50,
      reorder_quantity: 100,
    });
    expect(res.status).toBe(200);
    expect(res.body.locations['central-warehouse']).toMatchObject({
      on_hand: 0,
      reorder_point: 50,
    });
    expect(await recordedReorders(id)).toEqual([
      { location: 'central-warehouse', available: 0, threshold: 50, version: 1 },
    ]);
    for (const store of stores()) {
      await eventually(async () =>
        (await reorders(store, '?location=central-warehouse')).body.reorders.some(
          (r) => r.product_id === id,
        ),
      );
    }
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const main = stores()[0];
    const before = await stockRow(id, 'main-store');
    const cases: [unknown, string][] = [
      [{ reorder_point: -1 }, 'reorder_point'],
      [{ reorder_quantity: 1.5 }, 'reorder_quantity'],
      [{ reorder_point: '10' }, 'reorder_point'],
      [{}, 'reorder_point'],
      [{ reorder_point: 3, reorder_after: 2 }, 'reorder_after'],
    ];
    for (const [body, field] of cases) {
      const res = await setPoint(main, id, 'main-store', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field);
    }
    const badLocation = await setPoint(main, id, 'main store', { reorder_point: 1 });
    expect(badLocation.status).toBe(400);
    expect(JSON.stringify(badLocation.body)).toContain('location');
    expect(await stockRow(id, 'main-store')).toEqual(before);
  });

  it('answers 404 for an unknown product or location, and writes nothing', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const main = stores()[0];
    const noProduct = await setPoint(main, 'NOSUCHPRODUCT1', 'main-store', { reorder_point: 1 });
    expect(noProduct.status).toBe(404);
    expect(noProduct.body).toMatchObject({ error: { code: 'product_not_found' } });
    const noLocation = await setPoint(main, id, 'mian-store', { reorder_point: 1 });
    expect(noLocation.status).toBe(404);
    expect(noLocation.body).toMatchObject({ error: { code: 'location_not_found' } });
    expect(await stockRow(id, 'mian-store')).toBeUndefined();
    expect((await stockRow(id, 'main-store'))?.version).toBe(1);
  });

  it('lets only admins set reorder points; anyone may read what to reorder', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const main = stores()[0];
    const staff = await setPoint(main, id, 'main-store', { reorder_point: 20 }, bearer(KEYS.staff));
    expect(staff.status).toBe(403);
    const none = await setPoint(
      main,
      id,
      'main-store',
      { reorder_point: 20 },
      { authorization: '' },
    );
    expect(none.status).toBe(401);
    expect((await stockRow(id, 'main-store'))?.version).toBe(1);
    expect((await reorders(main)).status).toBe(200);
  });
});

describe('reorder_needed across three stores', () => {
  it('raises each crossing below the point once: one event per client, one recorded alert', async () => {
    const id = await createProduct(stores(), { 'main-store': 12, 'downtown-store': 2 });
    const [main, downtown, mall] = stores();
    // Point 8 with 2 on their way from downtown-store: position 14 (main-store's row at v2).
    const sent = await api(downtown.url, 'POST', '/transfers', {
      from: 'downtown-store',
      to: 'main-store',
      lines: [{ product_id: id, quantity: 2 }],
    });
    expect(sent.status).toBe(201);
    expect(
      (await setPoint(main, id, 'main-store', { reorder_point: 8, reorder_quantity: 20 })).status,
    ).toBe(200);
    const sockets = await Promise.all(stores().map((s) => socketClient(s.url)));
    const plain = await Promise.all(stores().map((s) => wsClient(s.url)));
    const heard = sockets.map((client) => {
      const got: StockAlert[] = [];
      client.socket.on('reorder_needed', (a) => got.push(a));
      return got;
    });
    const received = () => [
      ...heard.map((got) => got.filter((a) => a.product_id === id)),
      ...plain.map((client) =>
        client.messages.flatMap((m) =>
          m.type === 'reorder_needed' && m.data.product_id === id ? [m.data] : [],
        ),
      ),
    ];
    try {
      expect((await sell(main, id, 3)).status).toBe(200); // position 11
      expect((await sell(downtown, id, 4)).status).toBe(200); // 7: crosses below (v5)
      expect((await sell(mall, id, 1)).status).toBe(200); // 6: stays below
      expect((await restock(downtown, id, 2)).status).toBe(200); // 8: at the point, re-armed
      expect((await sell(main, id, 1)).status).toBe(200); // 7: crosses again (v8)
      await eventually(() => received().every((got) => got.length === 2));
      // Give a duplicate time to show up.
      await new Promise((r) => setTimeout(r, 200));
      for (const got of received()) {
        expect(got.map((a) => [a.kind, a.location, a.available, a.threshold, a.version])).toEqual([
          ['reorder_needed', 'main-store', 5, 8, 5],
          ['reorder_needed', 'main-store', 5, 8, 8],
        ]);
      }
      expect(await recordedReorders(id)).toEqual([
        { location: 'main-store', available: 5, threshold: 8, version: 5 },
        { location: 'main-store', available: 5, threshold: 8, version: 8 },
      ]);
      const { body } = await api<{ alerts: StockAlert[] }>(
        mall.url,
        'GET',
        `/alerts?product_id=${id}&kind=reorder_needed`,
      );
      expect(body.alerts.map((a) => a.version)).toEqual([8, 5]);
    } finally {
      for (const client of [...sockets, ...plain]) client.close();
    }
  });

  it('records one crossing however many stores sell at once', async () => {
    const id = await createProduct(stores(), { 'main-store': 60 });
    expect((await setPoint(stores()[0], id, 'main-store', { reorder_point: 30 })).status).toBe(200);
    const sales = stores().flatMap((store) => Array.from({ length: 15 }, () => sell(store, id, 1)));
    const answers = await Promise.all(sales);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await stockRow(id, 'main-store'))?.on_hand).toBe(15);
    const recorded = await recordedReorders(id);
    expect(recorded).toHaveLength(1);
    // A store may apply concurrent sales of one row in one update: the crossing is recorded at the
    // update that took the row below 30, whose version counts every sale up to it (1 for the
    // product, 1 for the point).
    const [crossing] = recorded;
    expect(crossing!.threshold).toBe(30);
    expect(crossing!.available).toBeLessThan(30);
    expect(crossing!.version).toBe(2 + (60 - crossing!.available));
  });

  it('records a crossing when the point is raised above the stock', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    expect((await setPoint(stores()[2], id, 'main-store', { reorder_point: 11 })).status).toBe(200);
    expect((await setPoint(stores()[2], id, 'main-store', { reorder_point: 12 })).status).toBe(200);
    expect(await recordedReorders(id)).toEqual([
      { location: 'main-store', available: 10, threshold: 11, version: 2 },
    ]);
  });
});

describe('GET /reorders', () => {
  it('lists what is below its point, counting what is in transit, with the suggested quantity', async () => {
    const id = await createProduct(stores(), {
      'main-store': 10,
      'mall-store': 4,
      'downtown-store': 33,
    });
    const main = stores()[0];
    // 3 on their way from downtown-store (which keeps 30) to mall-store.
    const sent = await api(main.url, 'POST', '/transfers', {
      from: 'downtown-store',
      to: 'mall-store',
      lines: [{ product_id: id, quantity: 3 }],
    });
    expect(sent.status).toBe(201);
    // main-store: position 10 < 12, short by 2, reorder_quantity 25 is more: 25.
    await setPoint(main, id, 'main-store', { reorder_point: 12, reorder_quantity: 25 });
    // mall-store: position 4 + 3 = 7 < 20, short by 13, more than the quantity 5: 13.
    await setPoint(main, id, 'mall-store', { reorder_point: 20, reorder_quantity: 5 });
    // downtown-store: position 30, at or above its point 30: not listed.
    await setPoint(main, id, 'downtown-store', { reorder_point: 30, reorder_quantity: 5 });

    for (const store of stores()) {
      await eventually(
        async () =>
          (await reorders(store)).body.reorders.filter((r) => r.product_id === id).length === 2,
      );
      const mine = (await reorders(store)).body.reorders.filter((r) => r.product_id === id);
      expect(mine).toEqual([
        {
          product_id: id,
          name: `Test ${id}`,
          location: 'main-store',
          on_hand: 10,
          reserved: 0,
          available: 10,
          in_transit: 0,
          position: 10,
          reorder_point: 12,
          reorder_quantity: 25,
          suggested_quantity: 25,
        },
        {
          product_id: id,
          name: `Test ${id}`,
          location: 'mall-store',
          on_hand: 4,
          reserved: 0,
          available: 4,
          in_transit: 3,
          position: 7,
          reorder_point: 20,
          reorder_quantity: 5,
          suggested_quantity: 13,
        },
      ]);
    }
    const mall = (await reorders(main, '?location=mall-store')).body.reorders;
    expect(mall.every((r) => r.location === 'mall-store')).toBe(true);
    expect(mall.some((r) => r.product_id === id)).toBe(true);

    // Restocked back to the point: no longer listed.
    expect((await restock(main, id, 2)).status).toBe(200);
    await eventually(async () =>
      (await reorders(main)).body.reorders.every(
        (r) => !(r.product_id === id && r.location === 'main-store'),
      ),
    );
  });

  it('pages in (product, location) order, each page continuing after the last', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(() => createProduct(stores(), { 'main-store': 1 })),
    );
    for (const id of ids) await setPoint(stores()[0], id, 'main-store', { reorder_point: 5 });
    const main = stores()[0];
    const all = (await reorders(main, '?location=main-store&limit=1000')).body.reorders;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ReordersPage = (
        await reorders(main, `?location=main-store&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      expect(page.reorders.length).toBeLessThanOrEqual(2);
      seen.push(...page.reorders.map((r) => `${r.product_id}/${r.location}`));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((r) => `${r.product_id}/${r.location}`));
    expect(seen).toEqual([...seen].sort());
    for (const id of ids) expect(seen).toContain(`${id}/main-store`);
  });

  it('refuses a bad query with a 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?cursor=nope', 'cursor'],
      ['?location=no%20such', 'location'],
      ['?colour=red', 'colour'],
    ] as const) {
      const res = await reorders(stores()[0], query);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.body), query).toContain(field);
    }
  });
});
