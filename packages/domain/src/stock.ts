import { z } from 'zod';
import { LocationSchema, ProductIdSchema, type Location } from './ids.js';

/** Upper bound for any quantity: stock columns are 32-bit integers in Postgres. */
export const MAX_QUANTITY = 2_147_483_647;

export const QuantitySchema = z.number().int().min(0).max(MAX_QUANTITY);

/** A product's catalogue entry. */
export const ProductSchema = z.object({
  id: ProductIdSchema,
  name: z.string(),
  description: z.string(),
  low_stock_threshold: QuantitySchema,
});
export type Product = z.infer<typeof ProductSchema>;

/** Stock of one product at one location, as the database holds it. */
export const StockLevelSchema = z.object({
  location: LocationSchema,
  on_hand: QuantitySchema,
  reserved: QuantitySchema,
  /** Units a transfer sent here that have not been received: not on hand, not available. */
  in_transit: QuantitySchema.default(0),
  /** Bumped by every change to this row; orders messages about it. */
  version: z.number().int().positive(),
  updated_at: z.string(),
  /** Reorder when available + in_transit falls below this; 0 (or absent): never. */
  reorder_point: QuantitySchema.optional(),
  /** The least a reorder here should order. */
  reorder_quantity: QuantitySchema.optional(),
});
export type StockLevel = z.infer<typeof StockLevelSchema>;

/** A product with its stock everywhere: one entry of an instance's cache. */
export interface ProductStock {
  product: Product;
  levels: ReadonlyMap<Location, StockLevel>;
}

export const LocationStockSchema = z.object({
  on_hand: QuantitySchema,
  reserved: QuantitySchema,
  available: QuantitySchema,
  /** Sent here by transfers and not yet received. */
  in_transit: QuantitySchema,
  version: z.number().int().positive(),
  /** Reorder when available (+ in transit) falls below this; 0: never. */
  reorder_point: QuantitySchema,
  /** The least a reorder at this location should order. */
  reorder_quantity: QuantitySchema,
});
export type LocationStock = z.infer<typeof LocationStockSchema>;

/** The product inventory view served by `GET /inventory/{product_id}` and sent in snapshots. */
export const ProductInventorySchema = z.object({
  product_id: ProductIdSchema,
  name: z.string(),
  description: z.string(),
  low_stock_threshold: QuantitySchema,
  total_stock: QuantitySchema,
  reserved_stock: QuantitySchema,
  available_stock: QuantitySchema,
  /** Units on their way to the product's locations by transfer, not yet received. */
  in_transit_stock: QuantitySchema,
  /** Sum of the locations' reorder points (the field the earlier service's clients read). */
  reorder_point: QuantitySchema,
  /** On-hand quantity per location. */
  warehouses: z.record(LocationSchema, QuantitySchema),
  /** The same per location, with reserved, available and in transit. */
  locations: z.record(LocationSchema, LocationStockSchema),
  last_updated: z.string().nullable(),
  /** Sum of the product's location versions: grows by one with every change to the product. */
  version: z.number().int().nonnegative(),
});
export type ProductInventory = z.infer<typeof ProductInventorySchema>;

/** What a product's view says of all its locations together. */
export type ProductSummary = Pick<
  ProductInventory,
  | 'total_stock'
  | 'reserved_stock'
  | 'available_stock'
  | 'in_transit_stock'
  | 'reorder_point'
  | 'last_updated'
  | 'version'
>;

/** A product's sums over its locations, as its view and every `update` event have them. */
export type ProductTotals = Pick<
  ProductSummary,
  'total_stock' | 'reserved_stock' | 'available_stock' | 'in_transit_stock' | 'version'
>;

/**
 * {@link ProductSummary} of a product's levels, in view order (of two rows updated at the same
 * instant, the first one's `updated_at` is the one shown). `timeOf` reads a row's `updated_at` as
 * a time, for a caller that keeps what it has read.
 */
export function summaryOf(
  levels: Iterable<StockLevel>,
  timeOf: (level: StockLevel) => number = (level) => Date.parse(level.updated_at),
): ProductSummary {
  const summary: ProductSummary = {
    total_stock: 0,
    reserved_stock: 0,
    available_stock: 0,
    in_transit_stock: 0,
    reorder_point: 0,
    last_updated: null,
    version: 0,
  };
  let lastAt = -Infinity;
  for (const level of levels) {
    summary.total_stock += level.on_hand;
    summary.reserved_stock += level.reserved;
    summary.in_transit_stock += level.in_transit;
    summary.reorder_point += level.reorder_point ?? 0;
    summary.version += level.version;
    const at = timeOf(level);
    if (summary.last_updated === null || at > lastAt) {
      summary.last_updated = level.updated_at;
      lastAt = at;
    }
  }
  summary.available_stock = summary.total_stock - summary.reserved_stock;
  return summary;
}

/** Units that can still be sold at a location. */
export function available(level: Pick<StockLevel, 'on_hand' | 'reserved'>): number {
  return level.on_hand - level.reserved;
}

/** One location's entry of the product inventory view. */
export function locationStock(level: StockLevel): LocationStock {
  return {
    on_hand: level.on_hand,
    reserved: level.reserved,
    available: available(level),
    in_transit: level.in_transit,
    version: level.version,
    reorder_point: level.reorder_point ?? 0,
    reorder_quantity: level.reorder_quantity ?? 0,
  };
}

/** Orders locations as `localeCompare` does, with one collator rather than one per call. */
export const compareLocations: (a: Location, b: Location) => number = new Intl.Collator().compare;

/** Builds the product inventory view from a product and its stock levels. */
export function toProductInventory({ product, levels }: ProductStock): ProductInventory {
  const sorted = [...levels.values()].sort((a, b) => compareLocations(a.location, b.location));
  return inventoryView(product, sorted);
}

/** {@link toProductInventory} of levels already in location order. */
export function inventoryView(
  product: Product,
  sorted: readonly StockLevel[],
  summary: ProductSummary = summaryOf(sorted),
): ProductInventory {
  const view: ProductInventory = {
    product_id: product.id,
    name: product.name,
    description: product.description,
    low_stock_threshold: product.low_stock_threshold,
    total_stock: summary.total_stock,
    reserved_stock: summary.reserved_stock,
    available_stock: summary.available_stock,
    in_transit_stock: summary.in_transit_stock,
    reorder_point: summary.reorder_point,
    warehouses: {},
    locations: {},
    last_updated: summary.last_updated,
    version: summary.version,
  };
  for (const level of sorted) {
    view.warehouses[level.location] = level.on_hand;
    view.locations[level.location] = locationStock(level);
  }
  return view;
}

/** How a cached row relates to an incoming version of it. */
export type VersionVerdict = 'apply' | 'stale' | 'gap';

/**
 * Decides what to do with a row version received from another instance: apply the next one,
 * ignore what is not newer (duplicates, reordering), and refetch when versions were skipped,
 * since pub/sub may drop messages.
 */
export function judgeVersion(cached: number | undefined, incoming: number): VersionVerdict {
  if (cached === undefined) return incoming === 1 ? 'apply' : 'gap';
  if (incoming <= cached) return 'stale';
  return incoming === cached + 1 ? 'apply' : 'gap';
}
