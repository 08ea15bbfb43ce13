import type { ProductCreatedMessage } from '@stockwire/domain';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { change, stockAt } from '@stockwire/domain/fixtures';
import { soloNode } from './sync.harness.js';

const phantom: ProductCreatedMessage = {
  type: 'product_created',
  product: { id: 'GHOST', name: 'Ghost', description: '', low_stock_threshold: 1 },
  levels: [
    { location: 'main-store', on_hand: 9, reserved: 0, in_transit: 0, version: 1, updated_at: 't' },
  ],
  store: 'main-store',
  instance_id: 'forger',
  timestamp: new Date().toISOString(),
};

describe('InventorySync repairs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sets right a forged next version once an audit reads the database', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.deliver(change(2, 999));
    expect(h.onHand()).toBe(999);

    const found = await h.sync.audit();
    expect(found).toEqual({ wrong: 1, behind: 0 });
    expect(h.cache.view('P1')?.locations['main-store']).toMatchObject({ on_hand: 10, version: 1 });
    expect(h.events.at(-1)).toBe('product P1');
    // The genuine version 2, when it comes, applies as the next one.
    h.deliver(change(2, 9));
    expect(h.onHand()).toBe(9);
  });

  it('drops a forged far-ahead version after the refetch shows the database never had it', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.deliver(change(50, 0));
    expect(h.sync.health().waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(150);
    expect(h.loads.loadProduct).toHaveBeenCalledTimes(1);
    expect(h.sync.health().waiting).toBe(0);
    expect(h.onHand()).toBe(10);
    // Nothing keeps refetching it.
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.loads.loadProduct).toHaveBeenCalledTimes(1);
  });

  it('removes a product the database does not have', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.deliver(phantom);
    expect(h.cache.has('GHOST')).toBe(true);
    expect(await h.sync.audit()).toEqual({ wrong: 1, behind: 0 });
    expect(h.cache.has('GHOST')).toBe(false);
    expect(h.events.at(-1)).toBe('snapshot');
  });

  it('gives a product found behind the gap grace to catch up by message before refetching it', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.store.put(stockAt(9, 2));
    expect(await h.sync.audit()).toEqual({ wrong: 0, behind: 1 });
    h.deliver(change(2, 9));
    await vi.advanceTimersByTimeAsync(150);
    expect(h.loads.loadProduct).not.toHaveBeenCalled();
    expect(h.events).toEqual(['update P1 v2']);

    // A change whose message was lost, and that no later message reveals: refetched after the grace.
    h.store.put(stockAt(8, 3));
    expect(await h.sync.audit()).toEqual({ wrong: 0, behind: 1 });
    await vi.advanceTimersByTimeAsync(150);
    expect(h.loads.loadProduct).toHaveBeenCalledWith('P1');
    expect(h.onHand()).toBe(8);
  });

  it('never rolls back a change applied while the repairing read was under way', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    const release = h.store.holdReads();
    const resync = h.sync.resyncAll('test');
    // Committed after the read's snapshot, and delivered before the read returns.
    h.deliver(change(2, 9));
    release();
    await resync;
    expect(h.cache.view('P1')?.locations['main-store']).toMatchObject({ on_hand: 9, version: 2 });
  });

  it('marks reads stale from a disconnect until the resync after the reconnect is done', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    expect(h.sync.isStale()).toBe(false);
    h.bus.disconnect();
    expect(h.sync.isStale()).toBe(true);
    h.store.put(stockAt(7, 4));
    const release = h.store.holdReads();
    h.bus.reconnect();
    expect(h.sync.isStale()).toBe(true);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sync.isStale()).toBe(false);
    expect(h.onHand()).toBe(7);
    expect(h.sync.health()).toMatchObject({ resyncs: 1, stale: false });
    expect(h.events).toEqual(['snapshot']);
  });

  it('keeps retrying a resync while the database is down, and stays stale until it succeeds', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.loads.loadAll
      .mockRejectedValueOnce(new Error('down'))
      .mockRejectedValueOnce(new Error('down'));
    h.store.put(stockAt(6, 5));
    h.bus.reconnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sync.isStale()).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.sync.isStale()).toBe(false);
    expect(h.onHand()).toBe(6);
  });

  it('settles changes held before a reload and keeps those that came after it', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.store.put(stockAt(8, 3));
    h.deliver(change(3, 8)); // version 2 lost: held
    const release = h.store.holdReads();
    await vi.advanceTimersByTimeAsync(150); // the refetch starts and waits on the database
    h.deliver(change(5, 6)); // arrives during the read; version 4 still on its way
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.onHand()).toBe(8);
    expect(h.sync.health().waiting).toBe(1);
    h.deliver(change(4, 7));
    expect(h.onHand()).toBe(6);
    expect(h.sync.health().waiting).toBe(0);
  });
});
