import type { ProductInventory, StockUpdate } from '@stockwire/domain';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { socketClient, wsClient } from './support/clients.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const writer = () => stores()[0];
const watched = () => stores()[1];

/** One restock of 1 at `location`, made at the writing store. */
async function restock(id: string, location: string) {
  const res = await api(writer().url, 'POST', `/inventory/${id}/update`, {
    change: 1,
    update_type: 'restock',
    warehouse: location,
  });
  expect(res.status).toBe(200);
}

const seen = (updates: readonly StockUpdate[]) =>
  updates.map((u) => `${u.product_id}@${u.warehouse}`);

describe('live feeds narrowed at connect', () => {
  it('sends a location watcher that location only: its snapshot, then its changes', async () => {
    const a = await createProduct(stores(), { 'mall-store': 5, 'main-store': 5 });
    const b = await createProduct(stores(), { 'main-store': 5 });
    const client = await socketClient(watched().url, {}, { locations: 'mall-store' });
    const plain = await wsClient(watched().url, '?locations=mall-store');
    const everything = await socketClient(watched().url);
    try {
      const [snapshot] = client.snapshots as [ProductInventory[]];
      expect(snapshot.map((p) => p.product_id)).toContain(a);
      expect(snapshot.map((p) => p.product_id)).not.toContain(b);
      for (const p of snapshot) expect(Object.keys(p.warehouses)).toEqual(['mall-store']);
      const wsSnapshot = plain.messages[0];
      expect(wsSnapshot?.type).toBe('snapshot');
      expect(wsSnapshot?.type === 'snapshot' && wsSnapshot.data).toEqual(snapshot);

      await restock(a, 'main-store');
      await restock(b, 'main-store');
      await restock(a, 'mall-store');
      // The last change is the only one watched; the earlier ones, sent first, never come.
      await eventually(() => client.updates.length > 0 && plain.updates().length > 0);
      await eventually(() => everything.updates.filter((u) => u.product_id === a).length === 2);
      expect(seen(client.updates)).toEqual([`${a}@mall-store`]);
      expect(seen(plain.updates())).toEqual([`${a}@mall-store`]);
      expect(seen(everything.updates)).toEqual([
        `${a}@main-store`,
        `${b}@main-store`,
        `${a}@mall-store`,
      ]);
    } finally {
      client.close();
      plain.close();
      everything.close();
    }
  });

  it('sends a product watcher those products only, at every location', async () => {
    const a = await createProduct(stores(), { 'mall-store': 5, 'main-store': 5 });
    const b = await createProduct(stores(), { 'main-store': 5 });
    const client = await socketClient(watched().url, {}, { products: a });
    const plain = await wsClient(watched().url, `?products=${a}`);
    try {
      expect(client.snapshots[0]!.map((p) => p.product_id)).toEqual([a]);
      expect(client.snapshots[0]![0]!.warehouses).toEqual({ 'mall-store': 5, 'main-store': 5 });
      await restock(b, 'main-store');
      await restock(a, 'main-store');
      await restock(a, 'mall-store');
      await eventually(() => client.updates.length === 2 && plain.updates().length === 2);
      expect(seen(client.updates)).toEqual([`${a}@main-store`, `${a}@mall-store`]);
      expect(seen(plain.updates())).toEqual([`${a}@main-store`, `${a}@mall-store`]);
    } finally {
      client.close();
      plain.close();
    }
  });

  it('sends a watcher of products at locations those pairs only', async () => {
    const a = await createProduct(stores(), { 'mall-store': 5, 'main-store': 5 });
    const b = await createProduct(stores(), { 'mall-store': 5 });
    const client = await socketClient(
      watched().url,
      {},
      { products: `${a},${b}`, locations: 'mall-store' },
    );
    try {
      expect(client.snapshots[0]!.map((p) => p.product_id)).toEqual([a, b].sort());
      await restock(a, 'main-store');
      await restock(b, 'mall-store');
      await eventually(() => client.updates.length > 0);
      await restock(a, 'mall-store');
      await eventually(() => client.updates.length === 2);
      expect(seen(client.updates)).toEqual([`${b}@mall-store`, `${a}@mall-store`]);
    } finally {
      client.close();
    }
  });

  it('refuses a bad filter at connect, naming it', async () => {
    const socket = io(watched().url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: { locations: 'no spaces allowed' },
    });
    const refused = await new Promise<string>((resolve) =>
      socket.on('connect_error', (error) => resolve(error.message)),
    );
    socket.close();
    expect(refused).toMatch(/^invalid feed request: locations: not valid/);

    const ws = new WebSocket(
      `${watched().url.replace(/^http/, 'ws')}/ws?products=${'x'.repeat(65)}`,
    );
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(400);
  });
});
