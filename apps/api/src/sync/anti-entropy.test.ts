import type { ProductInventory } from '@stockwire/domain';
import { toProductInventory } from '@stockwire/domain';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AntiEntropy } from './anti-entropy.js';
import { digestOf } from './inventory.digest.js';

const view = (onHand: number, version: number): ProductInventory =>
  toProductInventory({
    product: { id: 'P1', name: 'Mug', description: '', low_stock_threshold: 5 },
    levels: new Map([
      [
        'main-store',
        {
          location: 'main-store',
          on_hand: onHand,
          reserved: 0,
          in_transit: 0,
          version,
          updated_at: 't',
        },
      ],
    ]),
  });

function harness(cache: ProductInventory[], database: ProductInventory[]) {
  const state = { cache, database, down: false };
  const audit = vi.fn(() => Promise.resolve({ wrong: 1, behind: 0 }));
  const check = new AntiEntropy(
    () => state.cache,
    { audit },
    {
      digest: () =>
        state.down ? Promise.reject(new Error('down')) : Promise.resolve(digestOf(state.database)),
    },
    { intervalMs: 1000, settleMs: 200, log: () => {} },
  );
  return { state, audit, check };
}

describe('AntiEntropy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('finds nothing to do while the cache matches the database', async () => {
    const h = harness([view(5, 2)], [view(5, 2)]);
    h.check.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(h.audit).not.toHaveBeenCalled();
    expect(h.check.health()).toMatchObject({ checks: 3, audits: 0, last_result: 'match' });
    h.check.stop();
  });

  it('lets a difference that settles by itself (a change on its way) pass without an audit', async () => {
    const h = harness([view(5, 2)], [view(4, 3)]);
    const result = h.check.check();
    await vi.advanceTimersByTimeAsync(100);
    h.state.cache = [view(4, 3)];
    await vi.advanceTimersByTimeAsync(200);
    expect(await result).toBe('match');
    expect(h.audit).not.toHaveBeenCalled();
  });

  it('audits the cache when the difference stays', async () => {
    const h = harness([view(999, 3)], [view(4, 3)]);
    const result = h.check.check();
    await vi.advanceTimersByTimeAsync(300);
    expect(await result).toBe('repaired');
    expect(h.audit).toHaveBeenCalledTimes(1);
    expect(h.check.health()).toMatchObject({ audits: 1, last_result: 'repaired' });
  });

  it('reports a check the database could not answer, and keeps checking', async () => {
    const h = harness([view(5, 2)], [view(5, 2)]);
    h.state.down = true;
    h.check.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.check.health()).toMatchObject({ failures: 1, last_result: 'failed' });
    h.state.down = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.check.health()).toMatchObject({ checks: 2, last_result: 'match' });
    h.check.stop();
  });

  it('is off when the interval is 0', async () => {
    const h = harness([], []);
    const off = new AntiEntropy(
      () => [],
      { audit: h.audit },
      { digest: vi.fn() },
      {
        intervalMs: 0,
        settleMs: 0,
        log: () => {},
      },
    );
    off.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(off.health().checks).toBe(0);
  });
});
