import { randomUUID } from 'node:crypto';
import type { StockLocation } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { startStore } from '../src/app.js';
import { socketClient, wsClient } from './support/clients.js';
import { ledger, stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct, uniqueId } from './support/products.js';
import { testConfig, useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const main = () => stores()[0];
const downtown = () => stores()[1];

/** A location id no other test uses. */
const uniqueLocation = () => `loc-${randomUUID().slice(0, 8)}`;

const listed = async (url: string) =>
  (await api<{ locations: StockLocation[] }>(url, 'GET', '/locations')).body.locations;

/** Adds a location at main-store as admin, and waits until downtown-store lists it too. */
async function addLocation(kind: 'store' | 'warehouse' = 'store'): Promise<string> {
  const id = uniqueLocation();
  const res = await api(main().url, 'POST', '/locations', { id, name: `Place ${id}`, kind });
  expect(res.status).toBe(201);
  await eventually(async () => (await listed(downtown().url)).some((l) => l.id === id));
  return id;
}

async function deactivate(id: string): Promise<void> {
  const res = await api(main().url, 'PATCH', `/locations/${id}`, { active: false });
  expect(res.status).toBe(200);
  await eventually(
    async () => (await listed(downtown().url)).find((l) => l.id === id)?.active === false,
  );
}

describe('locations', () => {
  it('lists the seeded stores and the warehouse, to anyone', async () => {
    const res = await api<{ locations: StockLocation[] }>(main().url, 'GET', '/locations');
    expect(res.status).toBe(200);
    const byId = new Map(res.body.locations.map((l) => [l.id, l]));
    for (const id of ['main-store', 'downtown-store', 'mall-store'])
      expect(byId.get(id)).toMatchObject({ kind: 'store', active: true });
    expect(byId.get('central-warehouse')).toMatchObject({ kind: 'warehouse', active: true });
  });

  it('adds a location at one store and every store lists it, and tells its clients', async () => {
    const socket = await socketClient(downtown().url);
    const ws = await wsClient(downtown().url);
    const heard: StockLocation[] = [];
    socket.socket.on('location', (l) => heard.push(l));
    const id = await addLocation('warehouse');
    await eventually(() => heard.some((l) => l.id === id));
    await eventually(() => ws.messages.some((m) => m.type === 'location' && m.data.id === id));
    // Once per change.
    expect(heard.filter((l) => l.id === id)).toHaveLength(1);
    socket.close();
    ws.close();
    const there = (await listed(downtown().url)).find((l) => l.id === id);
    expect(there).toMatchObject({ id, name: `Place ${id}`, kind: 'warehouse', active: true });
    const one = await api<StockLocation>(downtown().url, 'GET', `/locations/${id}`);
    expect(one.body).toEqual(there);
  });

  it('renames and deactivates a location, everywhere', async () => {
    const id = await addLocation();
    const res = await api<StockLocation>(main().url, 'PATCH', `/locations/${id}`, {
      name: 'Renamed',
    });
    expect(res.body).toMatchObject({ id, name: 'Renamed', active: true });
    await deactivate(id);
    expect((await listed(downtown().url)).find((l) => l.id === id)).toMatchObject({
      name: 'Renamed',
      active: false,
    });
  });

  it('lets only admins change locations', async () => {
    const id = uniqueLocation();
    const staff = await api(
      main().url,
      'POST',
      '/locations',
      { id, name: 'X' },
      bearer(KEYS.staff),
    );
    expect(staff.status).toBe(403);
    const patch = await api(
      main().url,
      'PATCH',
      '/locations/main-store',
      { active: false },
      bearer(KEYS.staff),
    );
    expect(patch.status).toBe(403);
    expect((await listed(main().url)).some((l) => l.id === id)).toBe(false);
    expect((await listed(main().url)).find((l) => l.id === 'main-store')?.active).toBe(true);
  });

  it('answers bad location bodies with the field, and a second add with location_exists', async () => {
    const bad = await api(main().url, 'POST', '/locations', { id: '../x', name: 'X' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: { code: 'validation_failed', fields: { id: expect.any(Array) } },
    });
    const kind = await api(main().url, 'POST', '/locations', {
      id: uniqueLocation(),
      name: 'X',
      kind: 'shed',
    });
    expect(kind.status).toBe(400);
    expect(kind.body).toMatchObject({ error: { fields: { kind: expect.any(Array) } } });
    const empty = await api(main().url, 'PATCH', '/locations/main-store', {});
    expect(empty.status).toBe(400);
    const again = await api(main().url, 'POST', '/locations', { id: 'main-store', name: 'Again' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'location_exists', field: 'id' } });
    const missing = await api(main().url, 'PATCH', '/locations/no-such-place', { name: 'X' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'location_not_found' } });
  });

  describe('every write naming a location', () => {
    const writes = {
      restock: (id: string, at: string) =>
        api(main().url, 'POST', `/inventory/${id}/update`, {
          warehouse: at,
          change: 5,
          update_type: 'restock',
        }),
      sale: (id: string, at: string) =>
        api(main().url, 'POST', `/inventory/${id}/update`, {
          warehouse: at,
          change: -1,
          update_type: 'sale',
        }),
      reservation: (id: string, at: string) =>
        api(main().url, 'POST', `/inventory/${id}/reserve`, { warehouse: at, quantity: 1 }),
      order: (id: string, at: string) =>
        api(main().url, 'POST', '/orders', {
          order_id: `o-${randomUUID()}`,
          lines: [
            { product_id: id, warehouse: 'main-store', quantity: 1 },
            { product_id: id, warehouse: at, quantity: 1 },
          ],
        }),
      'product creation': (_id: string, at: string) =>
        api(main().url, 'POST', '/products', {
          product_id: uniqueId(),
          name: 'Stocked where it may not be',
          stock: { 'main-store': 4, [at]: 2 },
        }),
    };

    it.each(Object.entries(writes))(
      'is refused for a %s at a location that does not exist, with nothing written',
      async (_name, write) => {
        const id = await createProduct(stores(), { 'main-store': 5 });
        const before = { row: await stockRow(id, 'main-store'), ledger: await ledger(id) };
        const res = await write(id, 'mian-store');
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ error: { code: 'location_not_found' } });
        expect(await stockRow(id, 'main-store')).toEqual(before.row);
        expect(await stockRow(id, 'mian-store')).toBeUndefined();
        expect(await ledger(id)).toEqual(before.ledger);
        expect((await listed(main().url)).some((l) => l.id === 'mian-store')).toBe(false);
      },
    );

    it.each(Object.entries(writes))(
      'is refused for a %s at an inactive location, with nothing written',
      async (_name, write) => {
        const at = await addLocation();
        const id = await createProduct(stores(), { 'main-store': 5, [at]: 5 });
        await deactivate(at);
        const before = {
          rows: [await stockRow(id, 'main-store'), await stockRow(id, at)],
          ledger: await ledger(id),
        };
        const res = await write(id, at);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ error: { code: 'location_inactive' } });
        expect([await stockRow(id, 'main-store'), await stockRow(id, at)]).toEqual(before.rows);
        expect(await ledger(id)).toEqual(before.ledger);
      },
    );

    it('is taken again once the location is active again', async () => {
      const at = await addLocation();
      const id = await createProduct(stores(), { [at]: 5 });
      await deactivate(at);
      expect((await writes.sale(id, at)).status).toBe(409);
      expect((await api(main().url, 'PATCH', `/locations/${at}`, { active: true })).status).toBe(
        200,
      );
      expect((await writes.sale(id, at)).status).toBe(200);
      expect(await stockRow(id, at)).toMatchObject({ on_hand: 4 });
    });
  });

  it('keeps the database from storing stock at a location that does not exist', async () => {
    const id = await createProduct(stores(), { 'main-store': 1 });
    await expect(
      withDb((db) =>
        db.query(
          `insert into public.stock_levels (product_id, location, on_hand) values ($1, 'US-WEST', 3)`,
          [id],
        ),
      ),
    ).rejects.toThrow(/stock_levels_location_fkey/);
  });

  it('does not start a store whose own location does not exist, and says why', async () => {
    const name = uniqueLocation();
    const lines: string[] = [];
    await expect(startStore(testConfig(name), (m) => lines.push(m))).rejects.toThrow(
      `no location ${name} exists`,
    );
    expect(lines.some((l) => l.includes(`store ${name} has no location of its own`))).toBe(true);
  });
});
