import type { EventsPage, InventoryEvent, ProductInventory } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { ledger } from './support/database.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const main = () => stores()[0];
const downtown = () => stores()[1];

const events = (base: string, query: string) =>
  api<EventsPage & { error?: { code: string; fields: Record<string, string[]> } }>(
    base,
    'GET',
    `/events?${query}`,
  );

/** A product with a known history: its initial stock, then these moves, in this order. */
async function productWithHistory() {
  const id = await createProduct(stores(), { 'main-store': 20, 'downtown-store': 5 });
  const moves: Array<[StoreInstance, Record<string, unknown>, string]> = [
    [main(), { change: -3, update_type: 'sale' }, 'h-1'],
    [downtown(), { change: 4, update_type: 'restock' }, 'h-2'],
    [downtown(), { warehouse: 'main-store', change: -1, update_type: 'damage' }, 'h-3'],
    [main(), { change: 2, update_type: 'return' }, 'h-4'],
    [main(), { warehouse: 'downtown-store', change: -2, update_type: 'sale' }, 'h-5'],
  ];
  for (const [store, body, requestId] of moves) {
    const res = await api(store.url, 'POST', `/inventory/${id}/update`, body, {
      'x-request-id': `${id}-${requestId}`,
    });
    expect(res.status).toBe(200);
  }
  return id;
}

describe('GET /events: the movement history', () => {
  it("serves a product's ledger newest first, each row with its quantities, store and request", async () => {
    const id = await productWithHistory();
    const { status, body } = await events(main().url, `product_id=${id}`);
    expect(status).toBe(200);
    const rows = await ledger(id);
    expect(body.events.map((e) => e.event_id)).toEqual(rows.map((r) => r.id).reverse());
    expect(body.next_cursor).toBeNull();
    expect(body.events[0]).toEqual({
      event_id: rows.at(-1)!.id,
      product_id: id,
      location: 'downtown-store',
      update_type: 'sale',
      change: -2,
      previous_quantity: 9,
      new_quantity: 7,
      version: 3,
      store: 'main-store',
      request_id: `${id}-h-5`,
      actor: 'key:test-admin',
      order_id: null,
      reservation_id: null,
      transfer_id: null,
      created_at: expect.any(String),
    });
    expect(body.events.map((e) => [e.store, e.request_id])).toEqual([
      ['main-store', `${id}-h-5`],
      ['main-store', `${id}-h-4`],
      ['downtown-store', `${id}-h-3`],
      ['downtown-store', `${id}-h-2`],
      ['main-store', `${id}-h-1`],
      // The initial stock, recorded by the request that created the product.
      ['main-store', expect.any(String)],
      ['main-store', expect.any(String)],
    ]);
  });

  it('serves the same at /inventory/events, and /inventory/{id} still serves products', async () => {
    const id = await productWithHistory();
    const a = await events(main().url, `product_id=${id}`);
    const b = await api<EventsPage>(downtown().url, 'GET', `/inventory/events?product_id=${id}`);
    expect(b).toEqual({ status: 200, body: a.body });
    const product = await api<ProductInventory>(main().url, 'GET', `/inventory/${id}`);
    expect(product.body.product_id).toBe(id);
  });

  it('filters by location, update types and time', async () => {
    const id = await productWithHistory();
    const atMain = await events(main().url, `product_id=${id}&location=main-store`);
    expect(atMain.body.events.map((e) => e.change)).toEqual([2, -1, -3, 20]);
    const outflows = await events(main().url, `product_id=${id}&update_type=sale,damage`);
    expect(outflows.body.events.map((e) => [e.update_type, e.change])).toEqual([
      ['sale', -2],
      ['damage', -1],
      ['sale', -3],
    ]);
    const all = (await events(main().url, `product_id=${id}`)).body.events;
    const third = all[2]!;
    const since = await events(
      main().url,
      `product_id=${id}&since=${encodeURIComponent(third.created_at)}`,
    );
    expect(since.body.events.every((e) => e.created_at >= third.created_at)).toBe(true);
    expect(since.body.events.map((e) => e.event_id)).toContain(third.event_id);
    const future = await events(main().url, `product_id=${id}&since=2999-01-01T00:00:00Z`);
    expect(future.body).toEqual({ events: [], next_cursor: null });
    const past = await events(main().url, `product_id=${id}&until=2000-01-01T00:00:00Z`);
    expect(past.body.events).toEqual([]);
  });

  it('pages by event id until the history is exhausted, without gaps or repeats', async () => {
    const id = await productWithHistory();
    const seen: InventoryEvent[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const query: string = `product_id=${id}&limit=3${cursor ? `&before=${cursor}` : ''}`;
      const { body }: { body: EventsPage } = await events(main().url, query);
      expect(body.events.length).toBeLessThanOrEqual(3);
      seen.push(...body.events);
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((e) => e.event_id)).toEqual((await ledger(id)).map((r) => r.id).reverse());
    // A client catching up asks for what came after the last event it saw.
    const newest = seen[0]!.event_id;
    const caughtUp = await events(main().url, `product_id=${id}&after=${seen[2]!.event_id}`);
    expect(caughtUp.body.events.map((e) => e.event_id)).toEqual([newest, seen[1]!.event_id]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['update_type=theft', 'update_type'],
    ['since=yesterday', 'since'],
    ['before=-1', 'before'],
    ['product_id=bad%20id!', 'product_id'],
    ['location=a&location=b', 'location'],
    ['colour=red', 'colour'],
  ])('answers ?%s with 400 naming the parameter', async (query, param) => {
    const before = await ledger('OLJCESPC7Z');
    const { status, body } = await events(main().url, query);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('validation_failed');
    expect(Object.keys(body.error!.fields)).toEqual([param]);
    expect(await ledger('OLJCESPC7Z')).toEqual(before);
  });
});
