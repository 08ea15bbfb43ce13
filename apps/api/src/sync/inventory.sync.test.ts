import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { change, stockAt } from '@stockwire/domain/fixtures';
import { soloNode } from './sync.harness.js';

describe('InventorySync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies changes once each, in version order, even when they arrive out of order', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.deliver(change(3, 8));
    h.deliver(change(2, 9));
    h.deliver(change(2, 9));
    expect(h.updates.map((u) => u.version)).toEqual([2, 3]);
    expect(h.cache.view('P1')?.total_stock).toBe(8);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.loads.loadProduct).not.toHaveBeenCalled();
  });

  it('refetches the product when a missing version never arrives', async () => {
    const h = soloNode(stockAt(10, 1));
    await h.sync.start();
    h.store.put(stockAt(7, 4));
    h.deliver(change(4, 7));
    expect(h.updates).toEqual([]);
    await vi.advanceTimersByTimeAsync(150);
    expect(h.loads.loadProduct).toHaveBeenCalledWith('P1');
    expect(h.cache.view('P1')?.total_stock).toBe(7);
    expect(h.events).toEqual(['product P1']);
    h.deliver(change(3, 8));
    expect(h.cache.view('P1')?.total_stock).toBe(7);
  });

  it('applies messages that arrived before the snapshot only where they are newer', async () => {
    const h = soloNode(stockAt(10, 2));
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
