import {
  compareLocations,
  inventoryView,
  summaryOf,
  judgeVersion,
  type FeedFilter,
  type Location,
  type Product,
  type ProductId,
  type ProductInventory,
  type ProductStock,
  type ProductTotals,
  type StockChangedMessage,
  type StockLevel,
  type VersionVerdict,
} from '@stockwire/domain';
import { encodeView, timeOf } from './view.encoder.js';
import {
  bucketDigestsOf,
  bucketOf,
  productHash,
  type Bucket,
  type BucketDigest,
  type ProductShare,
} from './bucket.digest.js';

interface Entry {
  product: Product;
  levels: Map<Location, StockLevel>;
  /** The product's locations in view order, until one is added. */
  order?: Location[];
  /** The view, made on the first read after a change and kept until the next. */
  view?: ProductInventory;
  /** The view's sums, likewise. */
  totals?: ProductTotals;
  /** The view of one location alone, likewise, by location. */
  viewAt?: Map<Location, ProductInventory>;
  /** The view as JSON bytes, made on the first read after a change and kept until the next. */
  encoded?: Buffer;
  /** The view of one location alone as JSON bytes, likewise, by location. */
  encodedAt?: Map<Location, Buffer>;
  /** The product without its stock (a catalogue entry) as JSON bytes, until the product changes. */
  encodedEntry?: Buffer;
  /** The product's share of its digest bucket, until it changes. */
  share?: ProductShare;
}

/**
 * The planning fields of a row (in transit, reorder point and quantity) that `from` has. A
 * message that did not change them leaves them out, and the cached ones stay.
 */
function planning(
  from: Partial<Pick<StockLevel, 'in_transit' | 'reorder_point' | 'reorder_quantity'>> | undefined,
): Partial<StockLevel> {
  const fields: Partial<StockLevel> = {};
  if (from?.in_transit !== undefined) fields.in_transit = from.in_transit;
  if (from?.reorder_point !== undefined) fields.reorder_point = from.reorder_point;
  if (from?.reorder_quantity !== undefined) fields.reorder_quantity = from.reorder_quantity;
  return fields;
}

/** Forgets what was encoded of an entry's stock, once its stock changed. */
function stockChanged(entry: Entry): void {
  entry.view = undefined;
  entry.totals = undefined;
  entry.viewAt = undefined;
  entry.encoded = undefined;
  entry.encodedAt = undefined;
  entry.share = undefined;
}

/** Locations without repeats, in the order views list them. */
const inViewOrder = (locations: readonly Location[]) =>
  [...new Set(locations)].sort(compareLocations);

/** The entry's levels in location order. */
function ordered(entry: Entry): StockLevel[] {
  entry.order ??= [...entry.levels.keys()].sort(compareLocations);
  return entry.order.map((location) => entry.levels.get(location)!);
}

/** The entry's view, built once per change: readers share it and must not change it. */
function viewOf(entry: Entry): ProductInventory {
  if (!entry.view) {
    const sorted = ordered(entry);
    entry.view = inventoryView(entry.product, sorted, summaryOf(sorted, timeOf));
  }
  return entry.view;
}

/** Sets one of an entry's rows, noting when it is a location the entry did not have. */
function setLevel(entry: Entry, level: StockLevel): void {
  if (!entry.levels.has(level.location)) entry.order = undefined;
  entry.levels.set(level.location, level);
}

/**
 * An instance's in-memory copy of all stock. Rows only move forward: a row is replaced only by a
 * newer version of itself, so duplicates and late messages cannot roll it back. A row object is
 * never changed in place, only replaced: what is encoded or hashed of one holds while it is held.
 */
export class InventoryCache {
  private readonly entries = new Map<ProductId, Entry>();
  private changes = 0;
  /** Every product id in order, until a product is added or dropped. */
  private ids: ProductId[] | null = null;
  /** Counts changes to what products there are and what they are called (not their stock). */
  private structure = 0;
  /** Counts the stock changes at each location. */
  private readonly locationChanges = new Map<Location, number>();
  /** Live clients' snapshots as JSON, by filter, with the count they were made at. */
  private readonly snapshots = new Map<string, { at: number; json: string }>();

  /** Counts every change to the cache: what was read at one count holds until the next. */
  get generation(): number {
    return this.changes;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: ProductId): boolean {
    return this.entries.has(id);
  }

  view(id: ProductId): ProductInventory | undefined {
    const entry = this.entries.get(id);
    return entry && viewOf(entry);
  }

  /** The product's sums over its locations, without building its view. */
  totals(id: ProductId): ProductTotals | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    return (entry.totals ??= entry.view ?? summaryOf(entry.levels.values(), timeOf));
  }

  /** The product's view with `location` alone; undefined where it has no stock row. */
  viewAt(id: ProductId, location: Location): ProductInventory | undefined {
    return this.viewAmong(id, [location]);
  }

  /**
   * The product's view as UTF-8 JSON, exactly as `res.json` would send it, encoded once per change
   * (on the first read after it) rather than once per request.
   */
  encoded(id: ProductId): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    return (entry.encoded ??= Buffer.from(encodeView(entry.product, ordered(entry))));
  }

  /** Every product id, in order. */
  sortedIds(): readonly ProductId[] {
    return (this.ids ??= [...this.entries.keys()].sort());
  }

  /** Whether the product has a stock row at `location`. */
  stockedAt(id: ProductId, location: Location): boolean {
    return this.entries.get(id)?.levels.has(location) ?? false;
  }

  /** The product's view with `location` alone, as JSON, encoded once per change like {@link encoded}. */
  encodedAt(id: ProductId, location: Location): Buffer | undefined {
    const entry = this.entries.get(id);
    const level = entry?.levels.get(location);
    if (!entry || !level) return undefined;
    entry.encodedAt ??= new Map();
    let bytes = entry.encodedAt.get(location);
    if (!bytes) {
      bytes = Buffer.from(JSON.stringify(this.viewAt(id, location)));
      entry.encodedAt.set(location, bytes);
    }
    return bytes;
  }

  /** The product without its stock, as JSON, encoded once per change of the product. */
  encodedEntry(id: ProductId): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const { id: product_id, name, description, low_stock_threshold } = entry.product;
    return (entry.encodedEntry ??= Buffer.from(
      JSON.stringify({ product_id, name, description, low_stock_threshold }),
    ));
  }

  /**
   * The digest of every bucket of products that is not empty (see `bucket.digest.ts`), or of the
   * given buckets only. A product's share is worked out once per change of it, so a check costs
   * what changed since the last one, plus a pass over the products.
   */
  bucketDigests(among?: ReadonlySet<Bucket>): Map<Bucket, BucketDigest> {
    const shares: ProductShare[] = [];
    for (const entry of this.entries.values()) {
      const share = (entry.share ??= {
        bucket: bucketOf(entry.product.id),
        rows: entry.levels.size,
        hash: productHash(entry.product, entry.levels.values()),
      });
      if (!among || among.has(share.bucket)) shares.push(share);
    }
    return bucketDigestsOf(shares);
  }

  /** Every product's view, ordered by product id. */
  views(): ProductInventory[] {
    return this.sortedIds().map((id) => this.view(id)!);
  }

  /**
   * The view of a product as a live client with `filter` sees it: only the locations it watches,
   * or undefined when it watches none of this product.
   */
  viewFor(id: ProductId, { locations, products }: FeedFilter): ProductInventory | undefined {
    if (products && !products.includes(id)) return undefined;
    return this.viewAmong(id, locations && inViewOrder(locations));
  }

  /**
   * {@link viewsFor} as JSON, put together from each product's bytes, encoded once per change of
   * it (as {@link encoded} and {@link encodedAt} keep them), rather than encoded again per client.
   */
  encodedViewsFor(filter: FeedFilter): string {
    // Clients watching the same thing share one, until something they see changes: a storm of
    // reconnects after a deploy costs one snapshot per filter, not one per client.
    const locations = filter.locations && inViewOrder(filter.locations);
    const key = JSON.stringify([locations, filter.products]);
    const at = this.seenBy({ locations, products: filter.products });
    const kept = this.snapshots.get(key);
    if (kept?.at === at) return kept.json;
    const json = this.encodeViewsFor(filter.products, locations);
    this.snapshots.delete(key);
    this.snapshots.set(key, { at, json });
    if (this.snapshots.size > SNAPSHOTS_KEPT)
      this.snapshots.delete(this.snapshots.keys().next().value!);
    return json;
  }

  /** The snapshot of `products` (or all) at `among` (in view order; all when undefined). */
  private encodeViewsFor(products?: readonly ProductId[], among?: readonly Location[]): string {
    const ids = products ? [...products].sort() : this.sortedIds();
    const parts: string[] = [];
    for (const id of ids) {
      let bytes: Buffer | undefined;
      if (!among) bytes = this.encoded(id);
      else if (among.length === 1) bytes = this.encodedAt(id, among[0]!);
      else {
        const view = this.viewAmong(id, among);
        if (view) parts.push(JSON.stringify(view));
      }
      if (bytes) parts.push(bytes.toString());
    }
    return `[${parts.join(',')}]`;
  }

  /** Every product as a live client with `filter` sees it, ordered by product id. */
  viewsFor({ locations, products }: FeedFilter): ProductInventory[] {
    const ids = products ? [...products].sort() : this.sortedIds();
    const among = locations && inViewOrder(locations);
    return ids.flatMap((id) => this.viewAmong(id, among) ?? []);
  }

  /**
   * The view of a product with only the given locations (in view order), or all when none are
   * given. A view of one location is kept until the product changes: the many clients watching
   * one store share it.
   */
  private viewAmong(id: ProductId, locations?: readonly Location[]): ProductInventory | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (!locations) return viewOf(entry);
    if (locations.length === 1) {
      const location = locations[0]!;
      const level = entry.levels.get(location);
      if (!level) return undefined;
      entry.viewAt ??= new Map();
      let view = entry.viewAt.get(location);
      if (!view) entry.viewAt.set(location, (view = inventoryView(entry.product, [level])));
      return view;
    }
    const levels = locations.flatMap((location) => entry.levels.get(location) ?? []);
    return levels.length === 0 ? undefined : inventoryView(entry.product, levels);
  }

  /** One stock row as this cache has it. */
  level(id: ProductId, location: Location): StockLevel | undefined {
    return this.entries.get(id)?.levels.get(location);
  }

  /** Every stock row of every product, with its product, in (product id, location) order. */
  *rows(): Generator<{ product: Product; level: StockLevel }> {
    for (const id of this.sortedIds()) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      const locations = [...entry.levels.keys()].sort();
      for (const location of locations)
        yield { product: entry.product, level: entry.levels.get(location)! };
    }
  }

  /** The version of one stock row as this cache has it; 0 when it has none. */
  version(id: ProductId, location: Location): number {
    return this.entries.get(id)?.levels.get(location)?.version ?? 0;
  }

  /** What applying this change would mean: the next version, an old one, or versions missing. */
  judge(change: Pick<StockChangedMessage, 'product_id' | 'location' | 'version'>): VersionVerdict {
    const entry = this.entries.get(change.product_id);
    if (!entry) return 'gap';
    return judgeVersion(entry.levels.get(change.location)?.version, change.version);
  }

  /** Applies a change judged `apply`. */
  apply(change: StockChangedMessage): void {
    const entry = this.entries.get(change.product_id);
    if (!entry) throw new Error(`cannot apply a change to unknown product ${change.product_id}`);
    const cached = entry.levels.get(change.location);
    setLevel(entry, {
      location: change.location,
      on_hand: change.on_hand,
      reserved: change.reserved,
      in_transit: change.in_transit ?? cached?.in_transit ?? 0,
      version: change.version,
      updated_at: change.updated_at,
      ...planning(cached),
      ...planning(change),
    });
    stockChanged(entry);
    this.stockChangedAt(change.location);
    this.changes++;
  }

  /** Takes in a product as loaded from the database, row by row where newer. Returns whether anything changed. */
  merge({ product, levels }: ProductStock): boolean {
    let entry = this.entries.get(product.id);
    let changed = false;
    if (!entry) {
      entry = { product, levels: new Map() };
      this.entries.set(product.id, entry);
      this.ids = null;
      this.structure++;
      changed = true;
    } else if (JSON.stringify(entry.product) !== JSON.stringify(product)) {
      entry.product = product;
      entry.encodedEntry = undefined;
      this.structure++;
      changed = true;
    }
    for (const level of levels.values()) {
      const cached = entry.levels.get(level.location);
      if (!cached || level.version > cached.version) {
        setLevel(entry, level);
        this.stockChangedAt(level.location);
        changed = true;
      }
    }
    if (changed) {
      stockChanged(entry);
      this.changes++;
    }
    return changed;
  }

  /**
   * Sets a product to exactly what the database holds, even where the cache is ahead: only for
   * repairs, once a read that began after the cache was observed proves the cache wrong.
   */
  replace({ product, levels }: ProductStock): void {
    if (!this.entries.has(product.id)) this.ids = null;
    this.entries.set(product.id, { product, levels: new Map(levels) });
    this.structure++;
    this.changes++;
  }

  /** Drops a product the database does not have (a repair); returns whether it was cached. */
  remove(id: ProductId): boolean {
    const removed = this.entries.delete(id);
    if (removed) {
      this.ids = null;
      this.structure++;
      this.changes++;
    }
    return removed;
  }

  private stockChangedAt(location: Location): void {
    this.locationChanges.set(location, (this.locationChanges.get(location) ?? 0) + 1);
  }

  /**
   * A count that grows whenever what a client with `filter` sees may have changed: with locations,
   * the changes at them and to the products; otherwise every change.
   */
  private seenBy({ locations, products }: FeedFilter): number {
    if (!locations || products) return this.changes;
    let at = this.structure;
    for (const location of locations) at += this.locationChanges.get(location) ?? 0;
    return at;
  }
}

/** The most snapshots {@link InventoryCache.encodedViewsFor} keeps, the oldest going first. */
const SNAPSHOTS_KEPT = 256;
