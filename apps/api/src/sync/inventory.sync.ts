import type {
  InventoryMessage,
  ProductId,
  ProductInventory,
  ProductStock,
  StockChangedMessage,
  StockUpdate,
} from '@stockwire/domain';
import type { InventoryStore } from '../store/inventory.store.js';
import type { InventoryCache } from './inventory.cache.js';
import { digestLine } from './inventory.digest.js';
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
  /**
   * How long a failed reload waits before it is tried again, in milliseconds.
   * @default 1000
   */
  retryMs?: number;
}

/** What the sync reports on `GET /health`. */
export interface SyncHealth {
  /** Whether reads may be missing changes: Redis is down or a full resync is still owed. */
  stale: boolean;
  /** Full reloads of the cache (start-up excluded), after reconnects. */
  resyncs: number;
  /** Single products reloaded because a version was missing or a check found them behind. */
  refetches: number;
  /** Products the database proved wrong in the cache and that were set right. */
  repairs: number;
  /** Changes held for a missing earlier version. */
  waiting: number;
  last_resync_at: string | null;
  pubsub: {
    received: number;
    invalid: number;
    last_received_at: string | null;
    /** From a message's publication to its receipt here (clocks of both hosts), last and smoothed. */
    last_lag_ms: number | null;
    avg_lag_ms: number | null;
  };
}

/** A change held for a missing version, with when (in receive order) it arrived. */
interface Held {
  change: StockChangedMessage;
  seq: number;
}

const rowKey = (m: Pick<StockChangedMessage, 'product_id' | 'location'>) =>
  `${m.product_id}\u0000${m.location}`;

const lineOf = (view: ProductInventory | undefined) => (view ? digestLine(view) : null);

/**
 * How a cached product stands against the database's: equal; only behind (versions the cache has
 * not seen yet, which may still be on their way); or wrong (ahead of the database, a different
 * row at the same version, or a product the database does not have), which no message can fix.
 */
export function compareWithTruth(
  cached: ProductInventory | undefined,
  truth: ProductStock | undefined,
): 'same' | 'behind' | 'wrong' {
  if (!truth) return cached ? 'wrong' : 'same';
  if (!cached) return 'behind';
  const { product } = truth;
  if (
    cached.name !== product.name ||
    cached.description !== product.description ||
    cached.low_stock_threshold !== product.low_stock_threshold
  ) {
    return 'wrong';
  }
  let behind = false;
  for (const level of truth.levels.values()) {
    const row = cached.locations[level.location];
    if (!row || row.version < level.version) behind = true;
    else if (row.version > level.version) return 'wrong';
    else if (row.on_hand !== level.on_hand || row.reserved !== level.reserved) return 'wrong';
  }
  for (const location of Object.keys(cached.locations)) {
    if (!truth.levels.has(location)) return 'wrong';
  }
  return behind ? 'behind' : 'same';
}

/**
 * Keeps the cache equal to the database. Every change, whether made here or received from Redis,
 * goes through {@link InventorySync.accept}, so each is applied and announced exactly once per
 * instance, in version order; a missing version is waited for briefly, then repaired by refetch.
 *
 * Reloads are authoritative only where that is safe: a database read that began after the cache
 * was last seen to change cannot be older than anything the cache legitimately holds, so where the
 * product did not move during the read, the read replaces it outright (undoing a forged or
 * misapplied message); where it moved, the read is merged row by row, newer versions winning.
 */
export class InventorySync {
  private ready = false;
  private closed = false;
  private buffer: InventoryMessage[] | null = [];
  /** Changes that arrived ahead of a missing version, per row, by version. */
  private readonly pending = new Map<string, Map<number, Held>>();
  private readonly refetching = new Map<ProductId, Promise<void>>();
  private resyncing: Promise<void> | null = null;
  private resyncOwed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Counts changes accepted, to tell what arrived before a reload began from what came after. */
  private seq = 0;
  resyncs = 0;
  refetches = 0;
  repairs = 0;
  invalidMessages = 0;
  private lastResyncAt: Date | null = null;
  private received = 0;
  private lastReceivedAt: Date | null = null;
  private lastLagMs: number | null = null;
  private avgLagMs: number | null = null;

  constructor(
    private readonly cache: InventoryCache,
    private readonly store: Pick<InventoryStore, 'loadAll' | 'loadProduct'>,
    private readonly bus: Pick<UpdateBus, 'subscribe' | 'isConnected'>,
    private readonly listener: CacheListener,
    private readonly options: SyncOptions,
  ) {}

  isReady(): boolean {
    return this.ready;
  }

  /** Whether the cache may be missing changes: Redis is away, or a full resync is owed. */
  isStale(): boolean {
    return this.ready && (this.resyncOwed || !this.bus.isConnected());
  }

  health(): SyncHealth {
    let waiting = 0;
    for (const held of this.pending.values()) waiting += held.size;
    return {
      stale: this.isStale(),
      resyncs: this.resyncs,
      refetches: this.refetches,
      repairs: this.repairs,
      waiting,
      last_resync_at: this.lastResyncAt?.toISOString() ?? null,
      pubsub: {
        received: this.received,
        invalid: this.invalidMessages,
        last_received_at: this.lastReceivedAt?.toISOString() ?? null,
        last_lag_ms: this.lastLagMs,
        avg_lag_ms: this.avgLagMs === null ? null : Math.round(this.avgLagMs * 10) / 10,
      },
    };
  }

  /** Subscribe first and buffer, load the snapshot, then apply the buffer by version. */
  async start(): Promise<void> {
    await this.bus.subscribe({
      onMessage: (message) => this.receive(message),
      onReconnect: () => {
        this.resyncOwed = true;
        void this.resyncAll('redis reconnected');
      },
    });
    for (const product of await this.store.loadAll()) this.cache.merge(product);
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const message of buffered) this.accept(message);
    this.ready = true;
  }

  /** A message from the bus (possibly this instance's own, then a harmless duplicate). */
  private receive(message: InventoryMessage): void {
    const now = Date.now();
    this.received++;
    this.lastReceivedAt = new Date(now);
    const sent = Date.parse(message.timestamp);
    if (Number.isFinite(sent)) {
      const lag = Math.max(0, now - sent);
      this.lastLagMs = lag;
      this.avgLagMs = this.avgLagMs === null ? lag : this.avgLagMs * 0.9 + lag * 0.1;
    }
    if (this.buffer) this.buffer.push(message);
    else this.accept(message);
  }

  /** Applies a committed change or product to the cache if it is new, and announces it. */
  accept(message: InventoryMessage): void {
    switch (message.type) {
      case 'stock_changed':
        return this.acceptChange({ change: message, seq: ++this.seq });
      case 'key_revoked':
        this.options.onKeyRevoked?.(message.key_id);
        return;
      case 'product_created': {
        ++this.seq;
        const levels = new Map(message.levels.map((l) => [l.location, l]));
        if (this.cache.merge({ product: message.product, levels })) {
          this.listener.onProduct(this.cache.view(message.product.id)!);
        }
        return;
      }
    }
  }

  private acceptChange(held: Held): void {
    const { change } = held;
    switch (this.cache.judge(change)) {
      case 'stale':
        return;
      case 'apply':
        this.applyChange(change);
        return;
      case 'gap':
        this.hold(held);
    }
  }

  /** Keeps a change that skipped versions; if they do not come in time, the product is reloaded. */
  private hold(held: Held): void {
    const key = rowKey(held.change);
    let waiting = this.pending.get(key);
    if (!waiting) this.pending.set(key, (waiting = new Map<number, Held>()));
    waiting.set(held.change.version, held);
    this.later(this.options.gapGraceMs, () => {
      if (this.pending.get(key)?.get(held.change.version) === held) {
        void this.refetch(held.change.product_id);
      }
    });
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
    const key = rowKey(change);
    const waiting = this.pending.get(key);
    const next = waiting?.get(change.version + 1);
    waiting?.delete(change.version);
    if (next) waiting?.delete(next.change.version);
    if (waiting?.size === 0) this.pending.delete(key);
    if (next) this.acceptChange(next);
  }

  /**
   * After a reload of `ids` that began at `seq`: changes held since before it are settled (the read
   * saw everything they could legitimately carry, so they are stale or bogus); later ones go on
   * waiting or are applied.
   */
  private settleHeld(seq: number, ids: ReadonlySet<ProductId> | 'all'): void {
    const resume: Held[] = [];
    for (const [key, waiting] of this.pending) {
      const id = key.slice(0, key.indexOf('\u0000'));
      if (ids !== 'all' && !ids.has(id)) continue;
      for (const held of waiting.values()) {
        waiting.delete(held.change.version);
        if (held.seq > seq) resume.push(held);
      }
      this.pending.delete(key);
    }
    for (const held of resume.sort((a, b) => a.change.version - b.change.version)) {
      this.acceptChange(held);
    }
  }

  /**
   * Brings one product in line with a database read that began when the product's line was
   * `before`. Returns whether the cache changed.
   */
  private adopt(id: ProductId, truth: ProductStock | undefined, before: string | null): boolean {
    const current = this.cache.view(id);
    if (lineOf(current) === before) {
      // Unchanged during the read: the read is the truth, even where the cache is ahead.
      const verdict = compareWithTruth(current, truth);
      if (verdict === 'same') return false;
      if (verdict === 'wrong') this.repairs++;
      if (truth) this.cache.replace(truth);
      else this.cache.remove(id);
      return true;
    }
    return truth ? this.cache.merge(truth) : false;
  }

  /** Reloads one product from the database; concurrent calls for it share one load. */
  refetch(id: ProductId): Promise<void> {
    const running = this.refetching.get(id);
    if (running) return running;
    const load = (async () => {
      const seq = this.seq;
      const before = lineOf(this.cache.view(id));
      try {
        const truth = (await this.store.loadProduct(id)) ?? undefined;
        this.refetches++;
        if (this.adopt(id, truth, before)) {
          const view = this.cache.view(id);
          if (view) this.listener.onProduct(view);
          else this.listener.onSnapshot(this.cache.views());
        }
        this.settleHeld(seq, new Set([id]));
      } catch (error) {
        this.options.log(`refetch of ${id} failed; retrying`, error);
        this.later(this.options.retryMs ?? 1000, () => void this.refetch(id));
      } finally {
        this.refetching.delete(id);
      }
    })();
    this.refetching.set(id, load);
    return load;
  }

  /** Reloads everything (after a reconnect); clients then get a fresh snapshot. */
  resyncAll(reason: string): Promise<void> {
    this.resyncing ??= (async () => {
      const seq = this.seq;
      const before = new Map(this.cache.views().map((v) => [v.product_id, digestLine(v)]));
      try {
        const truth = new Map((await this.store.loadAll()).map((p) => [p.product.id, p]));
        for (const id of new Set([...before.keys(), ...truth.keys()])) {
          this.adopt(id, truth.get(id), before.get(id) ?? null);
        }
        this.settleHeld(seq, 'all');
        this.resyncs++;
        this.lastResyncAt = new Date();
        this.resyncOwed = false;
        this.listener.onSnapshot(this.cache.views());
      } catch (error) {
        this.options.log(`resync after ${reason} failed; retrying`, error);
        this.later(this.options.retryMs ?? 1000, () => void this.resyncAll(reason));
      } finally {
        this.resyncing = null;
      }
    })();
    return this.resyncing;
  }

  /**
   * Repairs the cache against a full read of the database (the anti-entropy check found a
   * difference). What is wrong is set right at once; what is only behind is given the gap grace
   * to arrive by message, then refetched. Returns how many products were wrong and behind.
   */
  async audit(): Promise<{ wrong: number; behind: number }> {
    const before = new Map(this.cache.views().map((v) => [v.product_id, digestLine(v)]));
    const truth = new Map((await this.store.loadAll()).map((p) => [p.product.id, p]));
    let wrong = 0;
    const behind: ProductId[] = [];
    let removed = false;
    for (const id of new Set([...before.keys(), ...truth.keys()])) {
      const current = this.cache.view(id);
      // Moved during the read: the next check looks again.
      if (lineOf(current) !== (before.get(id) ?? null)) continue;
      switch (compareWithTruth(current, truth.get(id))) {
        case 'same':
          break;
        case 'behind':
          behind.push(id);
          break;
        case 'wrong': {
          wrong++;
          this.adopt(id, truth.get(id), before.get(id) ?? null);
          const view = this.cache.view(id);
          if (view) this.listener.onProduct(view);
          else removed = true;
        }
      }
    }
    if (removed) this.listener.onSnapshot(this.cache.views());
    if (behind.length > 0) {
      this.later(this.options.gapGraceMs, () => {
        for (const id of behind) {
          const seen = truth.get(id);
          if (compareWithTruth(this.cache.view(id), seen) === 'behind') void this.refetch(id);
        }
      });
    }
    return { wrong, behind: behind.length };
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
