import type {
  InventoryMessage,
  ProductId,
  ProductInventory,
  StockChangedMessage,
  StockUpdate,
} from '@stockwire/domain';
import type { InventoryStore } from '../store/inventory.store.js';
import type { InventoryCache } from './inventory.cache.js';
import type { UpdateBus } from './updates.bus.js';

/** Where the sync sends what changed in the cache: the realtime gateways. */
export interface CacheListener {
  onUpdate(update: StockUpdate): void;
  onProduct(view: ProductInventory): void;
  onSnapshot(views: ProductInventory[]): void;
}

export interface SyncOptions {
  /** How long a change that skipped versions waits for the missing ones before a refetch. */
  gapGraceMs: number;
  log: (message: string, error?: unknown) => void;
  /** An API key was revoked at some store. */
  onKeyRevoked?: (keyId: string) => void;
}

const rowKey = (m: Pick<StockChangedMessage, 'product_id' | 'location'>) =>
  `${m.product_id}\u0000${m.location}`;

/**
 * Keeps the cache equal to the database. Every change, whether made here or received from Redis,
 * goes through {@link InventorySync.accept}, so each is applied and announced exactly once per
 * instance, in version order; a missing version is waited for briefly, then repaired by refetch.
 */
export class InventorySync {
  private ready = false;
  private closed = false;
  private buffer: InventoryMessage[] | null = [];
  /** Changes that arrived ahead of a missing version, per row, by version. */
  private readonly pending = new Map<string, Map<number, StockChangedMessage>>();
  private readonly refetching = new Map<ProductId, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  resyncs = 0;
  invalidMessages = 0;

  constructor(
    private readonly cache: InventoryCache,
    private readonly store: InventoryStore,
    private readonly bus: UpdateBus,
    private readonly listener: CacheListener,
    private readonly options: SyncOptions,
  ) {}

  isReady(): boolean {
    return this.ready;
  }

  /** Subscribe first and buffer, load the snapshot, then apply the buffer by version. */
  async start(): Promise<void> {
    await this.bus.subscribe({
      onMessage: (message) => this.receive(message),
      onReconnect: () => void this.resyncAll('redis reconnected'),
    });
    for (const product of await this.store.loadAll()) this.cache.merge(product);
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const message of buffered) this.accept(message);
    this.ready = true;
  }

  /** A message from the bus (possibly this instance's own, then a harmless duplicate). */
  private receive(message: InventoryMessage): void {
    if (this.buffer) this.buffer.push(message);
    else this.accept(message);
  }

  /** Applies a committed change or product to the cache if it is new, and announces it. */
  accept(message: InventoryMessage): void {
    switch (message.type) {
      case 'stock_changed':
        return this.acceptChange(message);
      case 'key_revoked':
        this.options.onKeyRevoked?.(message.key_id);
        return;
      case 'product_created': {
        const levels = new Map(message.levels.map((l) => [l.location, l]));
        if (this.cache.merge({ product: message.product, levels })) {
          this.listener.onProduct(this.cache.view(message.product.id)!);
        }
        return;
      }
    }
  }

  private acceptChange(change: StockChangedMessage): void {
    switch (this.cache.judge(change)) {
      case 'stale':
        return;
      case 'apply':
        this.applyChange(change);
        return;
      case 'gap': {
        const key = rowKey(change);
        let waiting = this.pending.get(key);
        if (!waiting) this.pending.set(key, (waiting = new Map<number, StockChangedMessage>()));
        waiting.set(change.version, change);
        this.later(this.options.gapGraceMs, () => {
          if (this.pending.get(key)?.has(change.version)) void this.refetch(change.product_id);
        });
      }
    }
  }

  private applyChange(change: StockChangedMessage): void {
    this.cache.apply(change);
    const view = this.cache.view(change.product_id)!;
    this.listener.onUpdate({
      product_id: change.product_id,
      warehouse: change.location,
      quantity: change.on_hand,
      change: change.change,
      reserved_change: change.reserved_change,
      update_type: change.update_type,
      version: change.version,
      product_version: view.version,
      timestamp: change.updated_at,
      total_stock: view.total_stock,
      reserved_stock: view.reserved_stock,
      available_stock: view.available_stock,
      store: change.store,
      event_id: change.event_id,
      order_id: change.order_id,
      reservation_id: change.reservation_id,
    });
    // The change may have been the one its successors were waiting for.
    const waiting = this.pending.get(rowKey(change));
    const next = waiting?.get(change.version + 1);
    waiting?.delete(change.version);
    if (waiting?.size === 0) this.pending.delete(rowKey(change));
    if (next) this.acceptChange(next);
  }

  /** Reloads one product from the database; concurrent calls for it share one load. */
  refetch(id: ProductId): Promise<void> {
    const running = this.refetching.get(id);
    if (running) return running;
    const load = (async () => {
      try {
        const product = await this.store.loadProduct(id);
        if (!product) return;
        this.resyncs++;
        const changed = this.cache.merge(product);
        if (changed) this.listener.onProduct(this.cache.view(id)!);
        // Whatever was waiting is now either covered by the reload or next in line.
        const resume: StockChangedMessage[] = [];
        for (const [key, waiting] of this.pending) {
          if (!key.startsWith(`${id}\u0000`)) continue;
          for (const change of waiting.values()) {
            const verdict = this.cache.judge(change);
            if (verdict === 'stale') waiting.delete(change.version);
            else if (verdict === 'apply') resume.push(change);
          }
          if (waiting.size === 0) this.pending.delete(key);
        }
        for (const change of resume) this.acceptChange(change);
      } catch (error) {
        this.options.log(`refetch of ${id} failed; retrying`, error);
        this.later(1000, () => void this.refetch(id));
      } finally {
        this.refetching.delete(id);
      }
    })();
    this.refetching.set(id, load);
    return load;
  }

  /** Reloads everything, after which clients get a fresh snapshot. */
  async resyncAll(reason: string): Promise<void> {
    try {
      for (const product of await this.store.loadAll()) this.cache.merge(product);
      this.pending.clear();
      this.resyncs++;
      this.listener.onSnapshot(this.cache.views());
    } catch (error) {
      this.options.log(`resync after ${reason} failed; retrying`, error);
      this.later(1000, () => void this.resyncAll(reason));
    }
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
