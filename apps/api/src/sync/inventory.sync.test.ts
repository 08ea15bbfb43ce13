import type { InventoryMessage, ProductStock, StockUpdate } from '@stockwire/domain';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InventoryStore } from '../store/inventory.store.js';
import { InventoryCache } from './inventory.cache.js';
import { InventorySync, type CacheListener } from './inventory.sync.js';
import type { UpdateBus, UpdateBusHandlers } from './updates.bus.js';
import { change, stockAt } from './sync.fixtures.js';

/** The database and the bus are ports; here they are plain objects the test drives. */
function harness(initial: ProductStock) {
  let db = initial;
  let handlers: UpdateBusHandlers | undefined;
  const store: Pick<InventoryStore, 'loadAll' | 'loadProduct'> = {
    loadAll: () => Promise.resolve([db]),
    loadProduct: vi.fn(() => Promise.resolve(db)),
  };
  const bus: Pick<UpdateBus, 'subscribe'> = {
    subscribe: (h) => {
      handlers = h;
      return Promise.resolve();
    },
  };
  const updates: StockUpdate[] = [];
  const products: string[] = [];
  const listener: CacheListener = {
    onUpdate: (u) => updates.push(u),
    onProduct: (p) => products.push(p.product_id),
    onSnapshot: () => {},
  };
  const cache = new InventoryCache();
  const sync = new InventorySync(cache, store, bus as UpdateBus, listener, {
    gapGraceMs: 100,
    log: () => {},
  });
  return {
    cache,
    sync,
    store,
    updates,
    products,
    setDb: (next: ProductStock) => (db = next),
    deliver: (m: InventoryMessage) => handlers!.onMessage(m),
  };
}

describe('InventorySync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies changes once each, in version order, even when they arrive out of order', async () => {
    const h = harness(stockAt(10, 1));
    await h.sync.start();
    h.deliver(change(3, 8));
    h.deliver(change(2, 9));
    h.deliver(change(2, 9));
    expect(h.updates.map((u) => u.version)).toEqual([2, 3]);
    expect(h.cache.view('P1')?.total_stock).toBe(8);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.store.loadProduct).not.toHaveBeenCalled();
  });

  it('refetches the product when a missing version never arrives', async () => {
    const h = harness(stockAt(10, 1));
    await h.sync.start();
    h.setDb(stockAt(7, 4));
    h.deliver(change(4, 7));
    expect(h.updates).toEqual([]);
    await vi.advanceTimersByTimeAsync(150);
    expect(h.store.loadProduct).toHaveBeenCalledWith('P1');
    expect(h.cache.view('P1')?.total_stock).toBe(7);
    expect(h.products).toEqual(['P1']);
    h.deliver(change(3, 8));
    expect(h.cache.view('P1')?.total_stock).toBe(7);
  });

  it('applies messages that arrived before the snapshot only where they are newer', async () => {
    const h = harness(stockAt(10, 2));
    const started = h.sync.start();
    expect(h.sync.isReady()).toBe(false);
    h.deliver(change(2, 10));
    h.deliver(change(3, 9));
    await started;
    expect(h.sync.isReady()).toBe(true);
    expect(h.updates.map((u) => u.version)).toEqual([3]);
    expect(h.cache.view('P1')?.warehouses).toEqual({ 'main-store': 9 });
  });
});
