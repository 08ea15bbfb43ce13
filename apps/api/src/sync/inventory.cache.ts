import {
  judgeVersion,
  type FeedFilter,
  toProductInventory,
  type Location,
  type Product,
  type ProductId,
  type ProductInventory,
  type ProductStock,
  type StockChangedMessage,
  type StockLevel,
  type VersionVerdict,
} from '@stockwire/domain';
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
  entry.encoded = undefined;
  entry.encodedAt = undefined;
  entry.share = undefined;
}

/**
 * An instance's in-memory copy of all stock. Rows only move forward: a row is replaced only by a
 * newer version of itself, so duplicates and late messages cannot roll it back.
 */
export class InventoryCache {
  private readonly entries = new Map<ProductId, Entry>();
  private changes = 0;
  /** Every product id in order, until a product is added or dropped. */
  private ids: ProductId[] | null = null;

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
    return entry && toProductInventory(entry);
  }

  /**
   * The product's view as UTF-8 JSON, exactly as `res.json` would send it, encoded once per change
   * (on the first read after it) rather than once per request.
   */
  encoded(id: ProductId): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    return (entry.encoded ??= Buffer.from(JSON.stringify(toProductInventory(entry))));
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
      const view = toProductInventory({
        product: entry.product,
        levels: new Map([[location, level]]),
      });
      bytes = Buffer.from(JSON.stringify(view));
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
    const entry = this.entries.get(id);
    if (!entry || (products && !products.includes(id))) return undefined;
    if (!locations) return toProductInventory(entry);
    const levels = new Map([...entry.levels].filter(([location]) => locations.includes(location)));
    return levels.size === 0 ? undefined : toProductInventory({ product: entry.product, levels });
  }

  /** Every product as a live client with `filter` sees it, ordered by product id. */
  viewsFor(filter: FeedFilter): ProductInventory[] {
    const ids = filter.products ? [...filter.products].sort() : this.sortedIds();
    return ids.flatMap((id) => this.viewFor(id, filter) ?? []);
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
    entry.levels.set(change.location, {
      location: change.location,
      on_hand: change.on_hand,
      reserved: change.reserved,
      in_transit: change.in_transit ?? entry.levels.get(change.location)?.in_transit ?? 0,
      version: change.version,
      updated_at: change.updated_at,
      ...planning(cached),
      ...planning(change),
    });
    stockChanged(entry);
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
      changed = true;
    } else if (JSON.stringify(entry.product) !== JSON.stringify(product)) {
      entry.product = product;
      entry.encodedEntry = undefined;
      changed = true;
    }
    for (const level of levels.values()) {
      const cached = entry.levels.get(level.location);
      if (!cached || level.version > cached.version) {
        entry.levels.set(level.location, level);
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
    this.changes++;
  }

  /** Drops a product the database does not have (a repair); returns whether it was cached. */
  remove(id: ProductId): boolean {
    const removed = this.entries.delete(id);
    if (removed) {
      this.ids = null;
      this.changes++;
    }
    return removed;
  }
}
