import type { InventoryMessage, ProductStock, StockUpdate } from '@stockwire/domain';
import { vi } from 'vitest';
import { MemoryInventoryStore } from '../store/memory.store.js';
import { InventoryCache } from './inventory.cache.js';
import { InventorySync, type CacheListener, type SyncOptions } from './inventory.sync.js';
import { MemoryChannel, type MemoryUpdateBus } from './memory.bus.js';

/** How long a test's sync waits for a missing version before it refetches. */
export const GAP_GRACE_MS = 100;

/** One store instance's sync, on a channel and a store it may share with other nodes. */
export interface SyncNode {
  bus: MemoryUpdateBus;
  cache: InventoryCache;
  sync: InventorySync;
  /** The stock updates the node announced to its clients, in order. */
  updates: StockUpdate[];
  /** Everything it announced, in order: `update P1 v2`, `product P1`, `snapshot`. */
  events: string[];
  /** On hand of P1 at main-store in the node's cache. */
  onHand(): number | undefined;
}

/** A sync (not yet started) on a new node of `channel`, reading `store`. */
export function syncNode(
  channel: MemoryChannel,
  store: MemoryInventoryStore,
  options: Partial<SyncOptions> = {},
): SyncNode {
  const bus = channel.node();
  const cache = new InventoryCache();
  const updates: StockUpdate[] = [];
  const events: string[] = [];
  const listener: CacheListener = {
    onUpdate: (u) => {
      updates.push(u);
      events.push(`update ${u.product_id} v${u.version}`);
    },
    onProduct: (p) => events.push(`product ${p.product_id}`),
    onSnapshot: () => events.push('snapshot'),
  };
  const sync = new InventorySync(cache, store, bus, listener, {
    gapGraceMs: GAP_GRACE_MS,
    log: () => {},
    ...options,
  });
  return {
    bus,
    cache,
    sync,
    updates,
    events,
    onHand: () => cache.view('P1')?.warehouses['main-store'],
  };
}

/**
 * One node alone with its database, for tests that drive it message by message: `deliver` puts a
 * message on the channel as any instance (or a forger) might, `store.put` rewrites the database
 * behind the node's back, and `loads` spies on its reads.
 */
export function soloNode(initial: ProductStock) {
  const store = new MemoryInventoryStore([initial]);
  const channel = new MemoryChannel();
  const node = syncNode(channel, store);
  const loads = {
    loadAll: vi.spyOn(store, 'loadAll'),
    loadProduct: vi.spyOn(store, 'loadProduct'),
  };
  return { ...node, store, loads, deliver: (m: InventoryMessage) => channel.publish(m) };
}
