import type { ProductInventory, StockUpdate } from '@stockwire/domain';
import { applyAsService } from '@stockwire/fault-drill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import type { HealthReport } from '../src/http/health.routes.js';
import { socketClient, wsClient } from './support/clients.js';
import { ledger, stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { startStores, useStores } from './support/stores.js';

// Digest checks off: whatever reaches the stores here came by the database's notifications (or,
// where a test says so, by a resync or a version gap), not by the periodic check.
const stores = useStores(['main-store', 'downtown-store', 'mall-store'], {
  sync: { digestIntervalMs: 0 },
});

/** How long a change made outside the stores may take to show everywhere. */
const SEEN_WITHIN_MS = 1000;

const health = async (store: StoreInstance) =>
  (await api<HealthReport>(store.url, 'GET', '/health')).body;

const relayedInAll = async () =>
  (await Promise.all(stores().map(health))).reduce((n, h) => n + h.listener.relayed, 0);

const onHandAt = async (store: StoreInstance, id: string, location: string) =>
  (await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`)).body.warehouses?.[location];

/** Whether every store serves `on_hand` at `location`. */
const everyStoreShows = async (id: string, location: string, onHand: number) =>
  (await Promise.all(stores().map((s) => onHandAt(s, id, location)))).every((q) => q === onHand);

/** One Socket.IO client and one `/ws` client, on stores other than the first. */
async function liveClients() {
  const socket = await socketClient(stores()[1].url);
  const ws = await wsClient(stores()[2].url);
  const got = (updates: StockUpdate[], id: string, quantity: number) =>
    updates.find((u) => u.product_id === id && u.quantity === quantity);
  return {
    seen: (id: string, quantity: number) => ({
      socketio: got(socket.updates, id, quantity),
      ws: got(ws.updates(), id, quantity),
    }),
    close: () => {
      socket.close();
      ws.close();
    },
  };
}

/** Writes to a stock row with every trigger off, as a restore or replication would: unannounced. */
const writeUnannounced = (id: string, location: string, onHand: number) =>
  withDb(async (db) => {
    await db.query('begin');
    await db.query('set local session_replication_role = replica');
    await db.query(
      'update stock_levels set on_hand = $3, version = version + 1 where product_id = $1 and location = $2',
      [id, location, onHand],
    );
    await db.query('commit');
  });

describe('changes made outside the stores', () => {
  it('shows a direct SQL UPDATE at every store and on both feeds, versioned and ledgered', async () => {
    const id = await createProduct(stores(), { 'main-store': 30 });
    const clients = await liveClients();
    const relayedBefore = await relayedInAll();
    try {
      const role = await withDb(async (db) => {
        await db.query(
          `update stock_levels set on_hand = 65 where product_id = $1 and location = 'main-store'`,
          [id],
        );
        return (await db.query<{ r: string }>('select current_user as r')).rows[0]!.r;
      });
      await eventually(
        async () =>
          (await everyStoreShows(id, 'main-store', 65)) &&
          Object.values(clients.seen(id, 65)).every(Boolean),
        SEEN_WITHIN_MS,
      );
      expect(await stockRow(id, 'main-store')).toEqual({ on_hand: 65, reserved: 0, version: 2 });
      const rows = await ledger(id);
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatchObject({
        location: 'main-store',
        update_type: 'external',
        change: 35,
        previous_quantity: 30,
        new_quantity: 65,
        version: 2,
        store: 'external',
        actor: `role:${role}`,
      });
      const { socketio, ws } = clients.seen(id, 65);
      for (const update of [socketio, ws]) {
        expect(update).toMatchObject({
          update_type: 'external',
          change: 35,
          version: 2,
          event_id: rows[1]!.id,
          store: 'external',
        });
      }
      // Relayed once, however many stores listen.
      await eventually(async () => (await relayedInAll()) === relayedBefore + 1);
      for (const h of await Promise.all(stores().map(health))) {
        expect(h.external_writes).toBe('listen');
        expect(h.listener).toMatchObject({ configured: true, listening: true, invalid: 0 });
      }
    } finally {
      clients.close();
    }
  });

  it('shows an rpc call by another service through PostgREST, ledgered as it asked', async () => {
    const id = await createProduct(stores(), { 'mall-store': 20 });
    const clients = await liveClients();
    const relayedBefore = await relayedInAll();
    const { supabaseUrl, serviceRoleKey } = stack();
    try {
      const res = await applyAsService(supabaseUrl, serviceRoleKey, [
        {
          product_id: id,
          location: 'mall-store',
          change: -3,
          update_type: 'sale',
          store: 'warehouse-app',
          request_id: 'warehouse-app-1',
        },
      ]);
      expect(res.status).toBe(200);
      const [result] = (await res.json()) as [{ ok: boolean }];
      expect(result.ok).toBe(true);
      await eventually(
        async () =>
          (await everyStoreShows(id, 'mall-store', 17)) &&
          Object.values(clients.seen(id, 17)).every(Boolean),
        SEEN_WITHIN_MS,
      );
      const rows = await ledger(id);
      // The function's own ledger row, and no `external` one beside it.
      expect(rows.map((r) => r.update_type)).toEqual(['restock', 'sale']);
      expect(rows[1]).toMatchObject({
        change: -3,
        version: 2,
        store: 'warehouse-app',
        request_id: 'warehouse-app-1',
      });
      const { socketio, ws } = clients.seen(id, 17);
      for (const update of [socketio, ws]) {
        expect(update).toMatchObject({
          update_type: 'sale',
          change: -3,
          version: 2,
          event_id: rows[1]!.id,
          store: 'warehouse-app',
        });
      }
      await eventually(async () => (await relayedInAll()) === relayedBefore + 1);
    } finally {
      clients.close();
    }
  });

  it("leaves a store's own writes to the store to publish: the database announces none", async () => {
    const id = await createProduct(stores(), { 'downtown-store': 9 });
    const before = await Promise.all(stores().map(health));
    const sale = { warehouse: 'downtown-store', change: -2, update_type: 'sale' };
    // No request may pass itself off as a change made outside the stores.
    const claimed = await api(stores()[1].url, 'POST', `/inventory/${id}/update`, {
      ...sale,
      update_type: 'external',
    });
    expect(claimed.status).toBe(400);
    const res = await api(stores()[1].url, 'POST', `/inventory/${id}/update`, sale);
    expect(res.status).toBe(200);
    await eventually(() => everyStoreShows(id, 'downtown-store', 7));
    // A later external write is announced: had the sale been, it would have arrived before it.
    await withDb((db) =>
      db.query(
        `update stock_levels set on_hand = 8 where product_id = $1 and location = 'downtown-store'`,
        [id],
      ),
    );
    await eventually(() => everyStoreShows(id, 'downtown-store', 8));
    const after = await Promise.all(stores().map(health));
    for (const [i, h] of after.entries()) {
      expect(h.listener.notifications - before[i]!.listener.notifications).toBe(1);
    }
  });

  it('refuses direct table writes through the Supabase API, to every key', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const { supabaseUrl, serviceRoleKey, anonKey } = stack();
    for (const key of [anonKey, serviceRoleKey]) {
      const res = await fetch(
        `${supabaseUrl}/rest/v1/stock_levels?product_id=eq.${id}&location=eq.main-store`,
        {
          method: 'PATCH',
          headers: {
            apikey: key,
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ on_hand: 500 }),
        },
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(((await res.json()) as { code: string }).code).toBe('42501');
    }
    expect(await stockRow(id, 'main-store')).toEqual({ on_hand: 5, reserved: 0, version: 1 });
    expect((await ledger(id)).map((r) => r.update_type)).toEqual(['restock']);
  });

  it('repairs a write no notification announced when the next change reveals the gap', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    await writeUnannounced(id, 'main-store', 4);
    await new Promise((r) => setTimeout(r, 200));
    expect(await onHandAt(stores()[0], id, 'main-store')).toBe(10);
    // The next change, at version 3, finds the stores at version 1: they reload the product.
    await withDb((db) =>
      db.query(
        `update stock_levels set on_hand = on_hand + 1 where product_id = $1 and location = 'main-store'`,
        [id],
      ),
    );
    await eventually(() => everyStoreShows(id, 'main-store', 5));
    expect(await stockRow(id, 'main-store')).toEqual({ on_hand: 5, reserved: 0, version: 3 });
  });

  it('resyncs once it listens again, repairing what it missed while the connection was gone', async () => {
    const id = await createProduct(stores(), { 'mall-store': 10 });
    const before = await Promise.all(stores().map(health));
    await writeUnannounced(id, 'mall-store', 3);
    const ended = await withDb(async (db) => {
      const { rowCount } = await db.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where application_name like 'stockwire-listener %' and datname = current_database()`,
      );
      return rowCount;
    });
    expect(ended).toBe(3);
    await eventually(() => everyStoreShows(id, 'mall-store', 3));
    for (const [i, h] of (await Promise.all(stores().map(health))).entries()) {
      expect(h.listener.reconnects).toBe(before[i]!.listener.reconnects + 1);
      expect(h.sync.resyncs).toBeGreaterThan(before[i]!.sync.resyncs);
      expect(h.external_writes).toBe('listen');
    }
  });
});

describe('a store without a direct database connection', () => {
  let digestOnly: StoreInstance;
  beforeAll(async () => {
    const [store] = await startStores(['outlet-store'], {
      database: { url: undefined },
      sync: { digestIntervalMs: 300 },
    });
    digestOnly = store!;
  });
  afterAll(() => digestOnly.close());

  it('says it runs on the digest, and still gets what the listening stores relay', async () => {
    const h = await health(digestOnly);
    expect(h.external_writes).toBe('digest');
    expect(h.listener).toMatchObject({ configured: false, listening: false, notifications: 0 });
    const id = await createProduct([...stores(), digestOnly], { 'outlet-store': 2 });
    await withDb((db) =>
      db.query(
        `update stock_levels set on_hand = 12 where product_id = $1 and location = 'outlet-store'`,
        [id],
      ),
    );
    await eventually(
      async () => (await onHandAt(digestOnly, id, 'outlet-store')) === 12,
      SEEN_WITHIN_MS,
    );
    expect((await health(digestOnly)).listener.notifications).toBe(0);
  });
});
