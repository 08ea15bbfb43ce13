import { z } from 'zod';
import { HistoryPageParams, historyBoundsInOrder, InstantParamSchema } from './history.js';
import { LocationSchema, ProductIdSchema, type Location, type ProductId } from './ids.js';

export const ALERT_KINDS = ['low_stock', 'back_in_stock', 'reorder_needed'] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);
/**
 * `low_stock`: available stock fell below the product's `low_stock_threshold`; `back_in_stock`: it
 * recovered; `reorder_needed`: available + in transit fell below the location's `reorder_point`.
 */
export type AlertKind = z.infer<typeof AlertKindSchema>;

/**
 * Whether stock at a location is low: available (on hand − reserved) below the product's
 * `low_stock_threshold`. A threshold of 0 never alerts.
 */
export function isLowStock(available: number, threshold: number): boolean {
  return available < threshold;
}

/**
 * The alert a change of one location's available stock raises: one per crossing of the
 * threshold, none while it stays on one side. The database trigger `record_stock_alert`
 * applies the same rule to every update of a stock row.
 */
export function stockAlertKind(
  threshold: number,
  before: number,
  after: number,
): Exclude<AlertKind, 'reorder_needed'> | null {
  const wasLow = isLowStock(before, threshold);
  const isLow = isLowStock(after, threshold);
  if (wasLow === isLow) return null;
  return isLow ? 'low_stock' : 'back_in_stock';
}

/**
 * A crossing of a product's reorder point at one location, as clients receive it live
 * (Socket.IO `low_stock` / `back_in_stock`, `/ws` `{type: "low_stock"}`).
 */
export interface StockAlert {
  kind: AlertKind;
  product_id: ProductId;
  name: string;
  location: Location;
  /** On hand − reserved at `location` right after the crossing. */
  available: number;
  on_hand: number;
  reserved: number;
  /** The product's `low_stock_threshold` when it crossed; for `reorder_needed`, the reorder point. */
  threshold: number;
  /** Version of the (product, location) stock row whose change crossed the threshold. */
  version: number;
  created_at: string;
}

/** An alert as recorded in the database and served by `GET /alerts`. */
export interface RecordedStockAlert extends StockAlert {
  alert_id: number;
}

/** Query of `GET /alerts`: newest first, filtered and paged like `GET /events`. */
export const AlertsQuerySchema = z
  .strictObject({
    product_id: ProductIdSchema.optional(),
    location: LocationSchema.optional(),
    kind: AlertKindSchema.optional(),
    since: InstantParamSchema.optional(),
    until: InstantParamSchema.optional(),
    ...HistoryPageParams,
  })
  .superRefine(historyBoundsInOrder);
export type AlertsQuery = z.output<typeof AlertsQuerySchema>;

/** `GET /alerts` response body. */
export interface AlertsPage {
  alerts: RecordedStockAlert[];
  /** Pass as `before` (with the same filters) for the next, older page; null on the last page. */
  next_cursor: number | null;
}
