import type { ProductStock } from '@stockwire/domain';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteCommitter } from '../inventory/write.committer.js';
import { MemoryInventoryStore } from '../store/memory.store.js';
import { StoreMetrics } from '../telemetry/metrics.js';
import { MemoryChannel } from './memory.bus.js';
import { levelAt, product } from '@stockwire/domain/fixtures';
import { GAP_GRACE_MS, syncNode, type SyncNode } from './sync.harness.js';

/** The mug at two stores; the tests sell at main-store, and mall-store must never move. */
const mug = (): ProductStock => ({
  product,
  levels: new Map([
    ['main-store', levelAt('main-store', 10, 1)],
    ['mall-store', levelAt('mall-store', 4, 1)],
  ]),
});
const MALL = { on_hand: 4, reserved: 0, version: 1 };

/**
 * Three store instances on one channel and one database, as socket.io's adapter tests start three
 * nodes: each writes through the store and publishes what it wrote, as a store instance does.
 */
function cluster() {
  const store = new MemoryInventoryStore([mug()]);
  const channel = new MemoryChannel();
  const join = (name: string) => {
    const node = syncNode(channel, store);
    const committer = new WriteCommitter(
      node.sync,
      node.bus,
      { reservationExpired: () => {} },
      { store: 'main-store', instanceId: name },
      new StoreMetrics('main-store'),
      () => {},
    );
    /** Sells `quantity` mugs at main-store through this node. */
    const sell = async (quantity: number) => {
      const [answer] = await store.applyChanges([
        {
          product_id: 'P1',
          location: 'main-store',
          change: -quantity,
          update_type: 'sale',
          request_id: null,
          store: 'main-store',
          actor: name,
        },
      ]);
      if (!answer) throw new Error('no answer for the sale');
      committer.commit(answer, `sale-${name}`, () => new Error('sale refused'));
    };
    return { ...node, sell };
  };
  return { store, channel, join };
}

type StoreNode = ReturnType<ReturnType<typeof cluster>['join']>;

/** What a node's cache holds for P1 at each store. */
const rows = (node: SyncNode) => {
  const locations = node.cache.view('P1')?.locations;
  return { main: locations?.['main-store'], mall: locations?.['mall-store'] };
};
const versions = (node: SyncNode) => node.updates.map((u) => u.version);

describe('three store instances on one channel', () => {
  let net: ReturnType<typeof cluster>;
  let a: StoreNode;
  let b: StoreNode;
  let c: StoreNode;

  beforeEach(() => {
    vi.useFakeTimers();
    net = cluster();
    a = net.join('store-a');
    b = net.join('store-b');
    c = net.join('store-c');
  });
  afterEach(() => {
    for (const node of [a, b, c]) node.sync.close();
    vi.useRealTimers();
  });

  const startAll = async () => {
    for (const node of [a, b, c]) await node.sync.start();
  };

  it('carries a sale at one store into the caches of the other two, announced once each', async () => {
    await startAll();
    await a.sell(3);
    for (const node of [a, b, c]) {
      expect(rows(node).main).toMatchObject({ on_hand: 7, version: 2 });
      expect(rows(node).mall).toMatchObject(MALL);
      expect(versions(node)).toEqual([2]);
      expect(node.sync.health()).toMatchObject({ refetches: 0, resyncs: 0, waiting: 0 });
    }
    expect(b.updates[0]).toMatchObject({ store: 'main-store', change: -3, total_stock: 11 });
  });

  it('repairs a message lost on its way to one node by refetching once the gap grace is over', async () => {
    await startAll();
    net.channel.dropNext(c.bus);
    await a.sell(1);
    expect(rows(c).main).toMatchObject({ on_hand: 10, version: 1 });
    expect(rows(b).main).toMatchObject({ on_hand: 9, version: 2 });

    // The next sale shows c the gap; it holds the change rather than skip a version.
    await b.sell(1);
    expect(rows(c).main).toMatchObject({ on_hand: 10, version: 1 });
    expect(c.sync.health().waiting).toBe(1);

    await vi.advanceTimersByTimeAsync(GAP_GRACE_MS);
    for (const node of [a, b, c]) {
      expect(rows(node).main).toMatchObject({ on_hand: 8, version: 3 });
      expect(rows(node).mall).toMatchObject(MALL);
    }
    expect(c.sync.health()).toMatchObject({ refetches: 1, repairs: 0, waiting: 0 });
    expect(c.events).toEqual(['product P1']);
    expect(a.sync.health().refetches + b.sync.health().refetches).toBe(0);
    expect(versions(a)).toEqual([2, 3]);
  });

  it('takes a message delivered twice as one change', async () => {
    await startAll();
    net.channel.duplicateNext();
    await a.sell(2);
    for (const node of [a, b, c]) {
      expect(rows(node).main).toMatchObject({ on_hand: 8, version: 2 });
      expect(versions(node)).toEqual([2]);
      expect(node.sync.health()).toMatchObject({ refetches: 0, waiting: 0 });
    }
    // Every node received it twice (its committer had it from its own write as well), and the
    // database still holds one sale.
    expect(b.sync.health().pubsub.received).toBe(2);
    expect((await net.store.loadProduct('P1'))?.levels.get('main-store')?.on_hand).toBe(8);
  });

  it('applies a pair that arrives swapped in version order, without a refetch', async () => {
    await startAll();
    net.channel.delayNext(b.bus);
    await a.sell(1);
    expect(rows(b).main).toMatchObject({ on_hand: 10, version: 1 });
    await c.sell(2);
    for (const node of [a, b, c]) {
      expect(rows(node).main).toMatchObject({ on_hand: 7, version: 3 });
      expect(versions(node)).toEqual([2, 3]);
    }
    await vi.advanceTimersByTimeAsync(GAP_GRACE_MS * 2);
    expect(b.sync.health()).toMatchObject({ refetches: 0, waiting: 0 });
    expect(rows(b).main).toMatchObject({ on_hand: 7, version: 3 });
  });

  it('brings a node started mid-stream level with the others: subscribe, buffer, load, apply', async () => {
    await a.sync.start();
    await b.sync.start();
    // Before c subscribes: in its snapshot, never in its messages.
    await a.sell(1);

    const release = net.store.holdReads();
    const started = c.sync.start();
    await vi.advanceTimersByTimeAsync(0); // c is subscribed and its snapshot read has begun
    // While c's snapshot is on its way, two more sales, the second arriving first.
    net.channel.delayNext(c.bus);
    await a.sell(1);
    await b.sell(1);
    expect(c.sync.isReady()).toBe(false);
    expect(c.cache.size).toBe(0);
    expect(c.updates).toEqual([]);

    release();
    await started;
    expect(c.sync.isReady()).toBe(true);
    for (const node of [a, b, c]) {
      expect(rows(node).main).toMatchObject({ on_hand: 7, version: 4 });
      expect(rows(node).mall).toMatchObject(MALL);
    }
    expect(versions(c)).toEqual([3, 4]);
    expect(versions(a)).toEqual([2, 3, 4]);
    expect(c.sync.health()).toMatchObject({ refetches: 0, resyncs: 0, waiting: 0 });
  });
});
