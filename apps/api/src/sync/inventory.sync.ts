import type {
  InventoryMessage,
  ProductId,
  ProductInventory,
  ProductStock,
  StockChangedMessage,
  StockLocation,
  StockUpdate,
} from '@stockwire/domain';
import type { InventoryStore } from '../store/inventory.store.js';
import { GapTracker, type Held } from './gap.tracker.js';
import type { InventoryCache } from './inventory.cache.js';
import type { LocationDirectory } from './location.directory.js';
import { PubsubMeter, type PubsubHealth } from './pubsub.meter.js';
import { toStockUpdate } from './stock-update.mapper.js';
import { TimerSet } from './timer.set.js';
import { adoptRead, compareWithTruth, lineOf, linesOf } from './truth.reconcile.js';
import type { UpdateBus } from './updates.bus.js';

export { compareWithTruth } from './truth.reconcile.js';

/** Where the sync sends what changed in the cache: the realtime gateways. */
export interface CacheListener {
  onUpdate(update: StockUpdate): void;
  onProduct(view: ProductInventory): void;
  onSnapshot(views: ProductInventory[]): void;
  /** A location changed (a live feed passes it on; the rest need not listen). */
  onLocation?(location: StockLocation): void;
}

export interface SyncOptions {
  /** How long a change that skipped versions waits for the missing ones before a refetch. */
  gapGraceMs: number;
  log: (message: string, error?: unknown) => void;
  /** An API key was revoked at some store. */
  onKeyRevoked?: (keyId: string) => void;
  /** The instance's list of locations: loaded and reloaded with the cache, kept by messages. */
  locations?: LocationDirectory;
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
  pubsub: PubsubHealth;
}

/** The products an audit reads again and compares: those `includes` says, as `load` reads them. */
export interface AuditScope {
  includes(id: ProductId): boolean;
  load(): Promise<ProductStock[]>;
}

/**
 * Keeps the cache equal to the database. Every change, whether made here or received from Redis,
 * goes through {@link InventorySync.accept}, so each is applied and announced exactly once per
 * instance, in version order; a missing version is waited for briefly, then repaired by refetch.
 *
 * Reloads are authoritative only where that is safe (see {@link adoptRead}): a database read that
 * began after the cache was last seen to change cannot be older than anything the cache
 * legitimately holds, so where the product did not move during the read, the read replaces it
 * outright (undoing a forged or misapplied message); where it moved, the read is merged row by row.
 */
export class InventorySync {
  private ready = false;
  private buffer: InventoryMessage[] | null = [];
  private readonly gaps = new GapTracker();
  private readonly refetching = new Map<ProductId, Promise<void>>();
  private resyncing: Promise<void> | null = null;
  private resyncOwed = false;
  private readonly timers = new TimerSet();
  private readonly pubsub = new PubsubMeter();
  /** Counts changes accepted, to tell what arrived before a reload began from what came after. */
  private seq = 0;
  resyncs = 0;
  refetches = 0;
  repairs = 0;
  invalidMessages = 0;
  private lastResyncAt: Date | null = null;

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
    return {
      stale: this.isStale(),
      resyncs: this.resyncs,
      refetches: this.refetches,
      repairs: this.repairs,
      waiting: this.gaps.size,
      last_resync_at: this.lastResyncAt?.toISOString() ?? null,
      pubsub: this.pubsub.health(this.invalidMessages),
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
      onInvalid: (reason) => {
        this.invalidMessages++;
        this.options.log(`dropped an invalid message on inventory_updates (${reason})`);
      },
    });
    for (const product of await this.store.loadAll()) this.cache.merge(product);
    await this.options.locations?.reload();
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const message of buffered) this.accept(message);
    this.ready = true;
  }

  /** A message from the bus (possibly this instance's own, then a harmless duplicate). */
  private receive(message: InventoryMessage): void {
    this.pubsub.record(message, Date.now());
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
      case 'location_changed':
        if (this.options.locations?.accept(message.location)) {
          this.listener.onLocation?.(message.location);
        }
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
    this.gaps.hold(held);
    this.timers.after(this.options.gapGraceMs, () => {
      if (this.gaps.isWaiting(held)) void this.refetch(held.change.product_id);
    });
  }

  private applyChange(change: StockChangedMessage): void {
    this.cache.apply(change);
    const { product_id: id, location } = change;
    const inTransit = this.cache.level(id, location)?.in_transit ?? 0;
    this.listener.onUpdate(toStockUpdate(change, this.cache.totals(id)!, inTransit));
    // The change may have been the one its successors were waiting for.
    const next = this.gaps.takeNext(change);
    if (next) this.acceptChange(next);
  }

  /** After a reload that began at `seq`, applies what was held since and drops what came before. */
  private settleHeld(seq: number, ids: ReadonlySet<ProductId> | 'all'): void {
    for (const held of this.gaps.settle(seq, ids)) this.acceptChange(held);
  }

  /** Takes in a read of one product and counts a repair; returns whether the cache changed. */
  private adopt(id: ProductId, truth: ProductStock | undefined, before: string | null): boolean {
    const adoption = adoptRead(this.cache, id, truth, before);
    if (adoption === 'repaired') this.repairs++;
    return adoption !== 'unchanged';
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
        this.timers.after(this.options.retryMs ?? 1000, () => void this.refetch(id));
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
      const before = linesOf(this.cache.views());
      try {
        const truth = new Map((await this.store.loadAll()).map((p) => [p.product.id, p]));
        for (const id of new Set([...before.keys(), ...truth.keys()])) {
          this.adopt(id, truth.get(id), before.get(id) ?? null);
        }
        await this.options.locations?.reload();
        this.settleHeld(seq, 'all');
        this.resyncs++;
        this.lastResyncAt = new Date();
        this.resyncOwed = false;
        this.listener.onSnapshot(this.cache.views());
      } catch (error) {
        this.options.log(`resync after ${reason} failed; retrying`, error);
        this.timers.after(this.options.retryMs ?? 1000, () => void this.resyncAll(reason));
      } finally {
        this.resyncing = null;
      }
    })();
    return this.resyncing;
  }

  /**
   * Repairs the cache against a read of the database (the anti-entropy check found a difference),
   * of every product or of those `scope` names. What is wrong is set right at once; what is only
   * behind is given the gap grace to arrive by message, then refetched. Returns how many products
   * were wrong and behind.
   */
  async audit(scope?: AuditScope): Promise<{ wrong: number; behind: number }> {
    const ids = scope ? this.cache.sortedIds().filter((id) => scope.includes(id)) : null;
    const before = linesOf(ids ? ids.map((id) => this.cache.view(id)!) : this.cache.views());
    const read = await (scope ? scope.load() : this.store.loadAll());
    const truth = new Map(read.map((p) => [p.product.id, p]));
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
      this.timers.after(this.options.gapGraceMs, () => {
        for (const id of behind) {
          const seen = truth.get(id);
          if (compareWithTruth(this.cache.view(id), seen) === 'behind') void this.refetch(id);
        }
      });
    }
    return { wrong, behind: behind.length };
  }

  close(): void {
    this.timers.close();
  }
}
