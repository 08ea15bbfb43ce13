import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboxUpdateBus } from './outbox.bus.js';
import { change } from '@stockwire/domain/fixtures';
import type { UpdateBus } from './updates.bus.js';

/** The change that took main-store to row version `version`. */
const message = (version: number) => change(version, 10 - version);

/** A bus that takes messages only while `up`. */
function flakyBus() {
  const state = { up: true, published: [] as number[] };
  const bus: UpdateBus = {
    publish: (m) => {
      if (!state.up) return Promise.reject(new Error('Redis is down'));
      if (m.type === 'stock_changed') state.published.push(m.version);
      return Promise.resolve();
    },
    subscribe: () => Promise.resolve(),
    isConnected: () => state.up,
    close: () => Promise.resolve(),
  };
  return { bus, state };
}

describe('OutboxUpdateBus', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds what Redis refused and publishes it, in order, once Redis takes messages again', async () => {
    const { bus, state } = flakyBus();
    const outbox = new OutboxUpdateBus(bus, { retryMs: 500, log: () => {} });
    await outbox.publish(message(1));
    state.up = false;
    await outbox.publish(message(2));
    await outbox.publish(message(3));
    expect(outbox.health()).toMatchObject({ queued: 2, failed_publishes: 2 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(state.published).toEqual([1]);
    state.up = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(state.published).toEqual([1, 2, 3]);
    expect(outbox.health()).toMatchObject({ queued: 0, republished: 2, dropped: 0 });
    // Nothing left to retry: the timer stops.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never rejects a publish, so a write never fails for want of Redis', async () => {
    const { bus, state } = flakyBus();
    state.up = false;
    const outbox = new OutboxUpdateBus(bus, { log: () => {} });
    await expect(outbox.publish(message(1))).resolves.toBeUndefined();
    await outbox.close();
  });

  it('drops the oldest beyond its capacity and counts them', async () => {
    const { bus, state } = flakyBus();
    state.up = false;
    const outbox = new OutboxUpdateBus(bus, { capacity: 2, log: () => {} });
    for (const v of [1, 2, 3, 4]) await outbox.publish(message(v));
    expect(outbox.health()).toMatchObject({ queued: 2, dropped: 2 });
    state.up = true;
    await outbox.flush();
    expect(state.published).toEqual([3, 4]);
    await outbox.close();
  });

  it('drains what it holds before closing, giving up after the timeout', async () => {
    const { bus, state } = flakyBus();
    state.up = false;
    const outbox = new OutboxUpdateBus(bus, { log: () => {} });
    await outbox.publish(message(1));
    const drained = outbox.drain(1000);
    await vi.advanceTimersByTimeAsync(1200);
    await drained;
    expect(outbox.size).toBe(1);
    state.up = true;
    await outbox.drain(1000);
    expect(state.published).toEqual([1]);
    await outbox.close();
  });
});
