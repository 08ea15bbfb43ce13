import {
  RESUME_MAX_EVENTS,
  type ClientToServerEvents,
  type ProductInventory,
  type ResumeNotice,
  type ServerToClientEvents,
  type SnapshotInfo,
  type StockUpdate,
  type WsMessage,
} from '@stockwire/domain';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { bucketOf } from '../src/sync/bucket.digest.js';
import { withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores, useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const writer = () => stores()[0];

/** A Socket.IO client that resumes after `since`, recording every event in order. */
function resumingClient(url: string, since: number | string) {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { since },
  });
  const events: Array<
    | ['update', StockUpdate]
    | ['product', ProductInventory]
    | ['snapshot', ProductInventory[], SnapshotInfo | undefined]
    | ['resumed', ResumeNotice]
  > = [];
  socket.on('update', (u) => events.push(['update', u]));
  socket.on('product', (p) => events.push(['product', p]));
  socket.on('snapshot', (s, info) => events.push(['snapshot', s, info]));
  socket.on('resumed', (n) => events.push(['resumed', n]));
  return { socket, events, close: () => socket.close() };
}

async function restock(id: string, store: StoreInstance = writer()) {
  const res = await api<ProductInventory>(store.url, 'POST', `/inventory/${id}/update`, {
    change: 1,
    update_type: 'restock',
    warehouse: 'main-store',
  });
  expect(res.status).toBe(200);
}

/** The ledger's last event id for `id`, as `GET /events` tells it. */
async function lastEventId(store: StoreInstance, id: string): Promise<number> {
  const page = await api<{ events: { event_id: number }[] }>(
    store.url,
    'GET',
    `/events?product_id=${id}&limit=1`,
  );
  return page.body.events[0]!.event_id;
}

describe('live feeds resumed from the last event_id seen', () => {
  it('replays exactly what was missed, in ledger order, then goes live, with no snapshot', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const since = await lastEventId(writer(), id);
    await restock(id);
    await restock(id);
    await restock(id);
    const client = resumingClient(stores()[1].url, since);
    const plain = new WebSocket(
      `${stores()[1].url.replace(/^http/, 'ws')}/ws?since=${since}&products=${id}`,
    );
    const wsMessages: WsMessage[] = [];
    plain.on('message', (d: Buffer) => wsMessages.push(JSON.parse(d.toString()) as WsMessage));
    try {
      await eventually(() => client.events.some(([kind]) => kind === 'resumed'));
      await eventually(() => wsMessages.some((m) => m.type === 'resumed'));
      await restock(id);
      await eventually(
        () => client.events.filter(([k, u]) => k === 'update' && u.product_id === id).length === 4,
      );
      await eventually(() => wsMessages.filter((m) => m.type === 'update').length === 4);

      expect(client.events.some(([kind]) => kind === 'snapshot')).toBe(false);
      const mine = client.events.filter(([k, u]) => k === 'update' && u.product_id === id);
      const quantities = mine.map(([, u]) => (u as StockUpdate).quantity);
      expect(quantities).toEqual([6, 7, 8, 9]);
      const ids = mine.map(([, u]) => (u as StockUpdate).event_id!);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(4);
      const resumed = client.events.find(([kind]) => kind === 'resumed')![1] as ResumeNotice;
      expect(resumed.since).toBe(since);
      expect(resumed.last_event_id).toBe(ids[2]);
      // The live change came after the resume ended.
      const order = client.events.map(([kind]) => kind);
      expect(order.lastIndexOf('update')).toBeGreaterThan(order.indexOf('resumed'));

      expect(wsMessages.map((m) => m.type)).toEqual([
        'update',
        'update',
        'update',
        'product',
        'resumed',
        'update',
      ]);
      expect(wsMessages.flatMap((m) => (m.type === 'update' ? [m.data.quantity] : []))).toEqual([
        6, 7, 8, 9,
      ]);
    } finally {
      client.close();
      plain.close();
    }
  });

  it('sends a product whose change took a lower id but committed after the event resumed from', async () => {
    const late = await createProduct(stores(), { 'main-store': 5 });
    // In another digest bucket: the open transaction holds its bucket's row.
    let seen = await createProduct(stores(), { 'main-store': 5 });
    while (bucketOf(seen) === bucketOf(late))
      seen = await createProduct(stores(), { 'main-store': 5 });
    const client = await withDb(async (db) => {
      // Another service's change to `late` takes its ledger id and holds it uncommitted…
      await db.query('begin');
      await db.query('select public.apply_stock_changes($1::jsonb)', [
        JSON.stringify([
          {
            product_id: late,
            location: 'main-store',
            change: 1,
            update_type: 'restock',
            store: 'erp',
          },
        ]),
      ]);
      const { rows } = await db.query<{ id: string }>(
        'select max(id) as id from public.inventory_events where product_id = $1',
        [late],
      );
      // …while a store's change to `seen` takes a higher id and commits first: a live client
      // saw it, and resumes from it.
      await restock(seen);
      const since = await lastEventId(writer(), seen);
      expect(since).toBeGreaterThan(Number(rows[0]!.id));
      await db.query('commit');
      await eventually(async () => {
        const view = await api<ProductInventory>(stores()[1].url, 'GET', `/inventory/${late}`);
        return view.body.total_stock === 6;
      }, 10_000);
      return resumingClient(stores()[1].url, since);
    });
    try {
      await eventually(() => client.events.some(([kind]) => kind === 'resumed'));
      // Not replayed as an update (the client may have had it), but the product as it stands.
      expect(client.events.some(([k, u]) => k === 'update' && u.product_id === late)).toBe(false);
      const sent = client.events.flatMap(([k, p]) =>
        k === 'product' && p.product_id === late ? [p] : [],
      );
      expect(sent.map((p) => p.total_stock)).toEqual([6]);
      expect(client.events.filter(([k, u]) => k === 'update' && u.product_id === seen)).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('replays across a store restart', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const [first] = await startStores(['mall-store']);
    const since = await lastEventId(first!, id);
    await first!.close();
    await restock(id);
    await restock(id);
    const [again] = await startStores(['mall-store']);
    const client = resumingClient(again!.url, since);
    try {
      await eventually(() => client.events.some(([kind]) => kind === 'resumed'));
      const replayed = client.events.flatMap(([k, u]) =>
        k === 'update' && u.product_id === id ? [u.quantity] : [],
      );
      expect(replayed).toEqual([6, 7]);
    } finally {
      client.close();
      await again!.close();
    }
  });

  it('sends a snapshot, saying why, beyond the most a resume replays', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const since = await lastEventId(writer(), id);
    for (let i = 0; i <= RESUME_MAX_EVENTS; i += 50) {
      await Promise.all(Array.from({ length: 50 }, () => restock(id)));
    }
    const client = resumingClient(stores()[1].url, since);
    try {
      await eventually(() => client.events.length > 0);
      expect(client.events[0]![0]).toBe('snapshot');
      expect(client.events[0]![2]).toEqual({ reason: 'resume_beyond_limit' });
    } finally {
      client.close();
    }
  });

  it('refuses a since that is not an event id', async () => {
    const client = resumingClient(stores()[1].url, 'yesterday');
    const refused = await new Promise<string>((resolve) =>
      client.socket.on('connect_error', (error) => resolve(error.message)),
    );
    client.close();
    expect(refused).toMatch(/^invalid feed request: since:/);
  });
});
