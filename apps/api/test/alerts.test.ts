import type { AlertsPage, StockAlert } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { socketClient, wsClient } from './support/clients.js';
import { supabaseClient, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { useStores } from './support/stores.js';

/** What each store logged, by store name. */
const logs = new Map<string, string[]>();

const stores = useStores(['main-store', 'downtown-store', 'mall-store'], {}, (config) => {
  const lines: string[] = [];
  logs.set(config.store.name, lines);
  return (message) => lines.push(message);
});

/** One Socket.IO and one /ws client on every store, recording the alerts they receive. */
async function alertClients() {
  const sockets = await Promise.all(stores().map((s) => socketClient(s.url)));
  const plain = await Promise.all(stores().map((s) => wsClient(s.url)));
  const socketAlerts = sockets.map((client) => {
    const received: StockAlert[] = [];
    client.socket.on('low_stock', (a) => received.push(a));
    client.socket.on('back_in_stock', (a) => received.push(a));
    return received;
  });
  const received = (product: string) => [
    ...socketAlerts.map((list) => list.filter((a) => a.product_id === product)),
    ...plain.map((client) =>
      client.messages.flatMap((m) =>
        (m.type === 'low_stock' || m.type === 'back_in_stock') && m.data.product_id === product
          ? [m.data]
          : [],
      ),
    ),
  ];
  return {
    plain,
    received,
    close: () => {
      sockets.forEach((c) => c.close());
      plain.forEach((c) => c.close());
    },
  };
}

async function recordedAlerts(product: string) {
  return withDb(async (db) => {
    const { rows } = await db.query<{
      kind: string;
      location: string;
      available: number;
      version: string;
    }>(
      'select kind, location, available, version from stock_alerts where product_id = $1 order by id',
      [product],
    );
    return rows.map((r) => ({ ...r, version: Number(r.version) }));
  });
}

const sell = (store: StoreInstance, product: string, units: number, warehouse = 'main-store') =>
  api(store.url, 'POST', `/inventory/${product}/update`, {
    warehouse,
    change: -units,
    update_type: 'sale',
  });

const alertLines = (product: string) =>
  [...logs].flatMap(([store, lines]) =>
    lines.filter((l) => l.includes(`Test ${product} `)).map((line) => `${store}: ${line}`),
  );

describe('low-stock alerts across three stores', () => {
  it('raises each crossing once: one event per client, one log line, one entry in GET /alerts', async () => {
    // Reorder point 10 (the default) at main-store, which holds 12.
    const id = await createProduct(stores(), { 'main-store': 12, 'mall-store': 3 });
    const [main, downtown, mall] = stores();
    const clients = await alertClients();
    try {
      expect((await sell(main, id, 1)).status).toBe(200); // 11: still above
      expect((await sell(downtown, id, 2)).status).toBe(200); // 9: crosses below
      expect((await sell(main, id, 1)).status).toBe(200); // 8: stays below
      expect((await sell(mall, id, 1, 'mall-store')).status).toBe(200); // already low there
      const restock = await api(mall.url, 'POST', `/inventory/${id}/update`, {
        warehouse: 'main-store',
        change: 7,
        update_type: 'restock',
      }); // 15: recovers
      expect(restock.status).toBe(200);

      await eventually(() => clients.received(id).every((alerts) => alerts.length === 2));
      // Give a duplicate (from another instance, or the adapter) time to show up.
      await new Promise((r) => setTimeout(r, 200));
      for (const alerts of clients.received(id)) {
        expect(alerts.map((a) => [a.kind, a.location, a.available, a.version])).toEqual([
          ['low_stock', 'main-store', 9, 3],
          ['back_in_stock', 'main-store', 15, 5],
        ]);
      }
      expect(clients.received(id)[0]![0]).toEqual({
        kind: 'low_stock',
        product_id: id,
        name: `Test ${id}`,
        location: 'main-store',
        available: 9,
        on_hand: 9,
        reserved: 0,
        threshold: 10,
        version: 3,
        created_at: expect.any(String),
      });
      // On /ws the alert follows the update that caused it.
      const messages = clients.plain[0]!.messages;
      const updateAt = messages.findIndex(
        (m) => m.type === 'update' && m.data.product_id === id && m.data.version === 3,
      );
      const alertAt = messages.findIndex((m) => m.type === 'low_stock' && m.data.product_id === id);
      expect(updateAt).toBeGreaterThanOrEqual(0);
      expect(alertAt).toBeGreaterThan(updateAt);

      expect(alertLines(id)).toEqual([
        `downtown-store: ⚠️ LOW STOCK: Test ${id} at main-store - 9 available (reorder point 10)`,
        `mall-store: ✅ BACK IN STOCK: Test ${id} at main-store - 15 available (reorder point 10)`,
      ]);
      expect(await recordedAlerts(id)).toEqual([
        { kind: 'low_stock', location: 'main-store', available: 9, version: 3 },
        { kind: 'back_in_stock', location: 'main-store', available: 15, version: 5 },
      ]);
      for (const store of stores()) {
        const { body } = await api<AlertsPage>(store.url, 'GET', `/alerts?product_id=${id}`);
        expect(body.alerts.map((a) => [a.kind, a.version, a.name])).toEqual([
          ['back_in_stock', 5, `Test ${id}`],
          ['low_stock', 3, `Test ${id}`],
        ]);
        expect(body.next_cursor).toBeNull();
      }
      const lows = await api<AlertsPage>(
        main.url,
        'GET',
        `/alerts?product_id=${id}&kind=low_stock`,
      );
      expect(lows.body.alerts.map((a) => a.kind)).toEqual(['low_stock']);
    } finally {
      clients.close();
    }
  });

  it('raises one alert when three stores sell across the threshold at once', async () => {
    const id = await createProduct(stores(), { 'main-store': 15 });
    const clients = await alertClients();
    try {
      const sales = await Promise.all(
        Array.from({ length: 12 }, (_, i) => sell(stores()[i % 3]!, id, 1)),
      );
      expect(sales.every((s) => s.status === 200)).toBe(true);
      expect(await recordedAlerts(id)).toEqual([
        { kind: 'low_stock', location: 'main-store', available: 9, version: 7 },
      ]);
      await eventually(() => clients.received(id).every((alerts) => alerts.length === 1));
      await new Promise((r) => setTimeout(r, 200));
      for (const alerts of clients.received(id)) {
        expect(alerts.map((a) => [a.kind, a.available, a.version])).toEqual([['low_stock', 9, 7]]);
      }
      await eventually(() => alertLines(id).length === 1);
      expect(alertLines(id)[0]).toContain(`LOW STOCK: Test ${id} at main-store - 9 available`);
    } finally {
      clients.close();
    }
  });

  it('records crossings made by any write to the stock row, reservations included', async () => {
    const id = await createProduct(stores(), { 'main-store': 12 });
    // What a reservation does to the row, written directly: available drops to 8.
    await withDb((db) =>
      db.query(
        `update stock_levels set reserved = reserved + 4, version = version + 1
          where product_id = $1 and location = 'main-store'`,
        [id],
      ),
    );
    // A write that leaves available stock as it is records nothing.
    await withDb((db) =>
      db.query(
        `update stock_levels set on_hand = on_hand + 1, reserved = reserved + 1, version = version + 1
          where product_id = $1 and location = 'main-store'`,
        [id],
      ),
    );
    expect(await recordedAlerts(id)).toEqual([
      { kind: 'low_stock', location: 'main-store', available: 8, version: 2 },
    ]);
  });

  it('never alerts for a product whose reorder point is 0', async () => {
    const { body } = await api<{ product_id: string }>(stores()[0].url, 'POST', '/products', {
      name: 'No reorder point',
      low_stock_threshold: 0,
      stock: { 'main-store': 2 },
    });
    const id = body.product_id;
    await eventually(
      async () => (await api(stores()[1].url, 'GET', `/inventory/${id}`)).status === 200,
    );
    expect((await sell(stores()[1], id, 2)).status).toBe(200);
    expect(await recordedAlerts(id)).toEqual([]);
    const { body: page } = await api<AlertsPage>(
      stores()[2].url,
      'GET',
      `/alerts?product_id=${id}`,
    );
    expect(page).toEqual({ alerts: [], next_cursor: null });
  });

  it('keeps the recorded alerts from the anon key', async () => {
    const anon = supabaseClient(stack().anonKey);
    const { data, error } = await anon.from('stock_alerts').select('*').limit(1);
    expect(data).toBeNull();
    expect(error?.code).toBe('42501');
    const trigger = await anon.rpc('record_stock_alert' as never);
    expect(trigger.error).not.toBeNull();
  });
});
