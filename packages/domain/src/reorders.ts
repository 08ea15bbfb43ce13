import { z } from 'zod';
import { pageLimitParam } from './history.js';
import { LocationSchema, ProductIdSchema } from './ids.js';
import { available, QuantitySchema, type StockLevel } from './stock.js';

/** Body of `PATCH /inventory/{product_id}/locations/{location}`: at least one of the two. */
export const ReorderPointRequestSchema = z
  .strictObject({
    reorder_point: QuantitySchema.optional(),
    reorder_quantity: QuantitySchema.optional(),
  })
  .refine((body) => body.reorder_point !== undefined || body.reorder_quantity !== undefined, {
    message: 'give reorder_point, reorder_quantity or both',
    path: ['reorder_point'],
  });
export type ReorderPointRequest = z.infer<typeof ReorderPointRequestSchema>;

export const ProductLocationParamsSchema = z.object({
  product_id: ProductIdSchema,
  location: LocationSchema,
});

/** The largest page of `GET /reorders`. */
export const REORDERS_PAGE_MAX = 1000;
/** Rows per page of `GET /reorders` unless `limit` says otherwise. */
export const REORDERS_PAGE_DEFAULT = 100;

/** Where a page of `GET /reorders` continues: after `product_id/location`. */
export const ReorderCursorSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\/[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'a next_cursor of GET /reorders',
  )
  .transform((cursor) => {
    const [product_id = '', location = ''] = cursor.split('/');
    return { product_id, location };
  });

/** Query of `GET /reorders`: rows in (product, location) order. */
export const ReordersQuerySchema = z.strictObject({
  location: LocationSchema.optional(),
  limit: pageLimitParam(REORDERS_PAGE_MAX).default(REORDERS_PAGE_DEFAULT),
  cursor: ReorderCursorSchema.optional(),
});
export type ReordersQuery = z.output<typeof ReordersQuerySchema>;

/** A location that should reorder a product, as `GET /reorders` lists it. */
export const ReorderSchema = z.object({
  product_id: ProductIdSchema,
  name: z.string(),
  location: LocationSchema,
  on_hand: QuantitySchema,
  reserved: QuantitySchema,
  available: QuantitySchema,
  in_transit: QuantitySchema,
  position: QuantitySchema.meta({
    description:
      'available + in_transit: what the location has or will have, compared with the point',
  }),
  reorder_point: QuantitySchema,
  reorder_quantity: QuantitySchema,
  suggested_quantity: QuantitySchema.meta({
    description: 'reorder_quantity, or what brings the position back to the point if that is more',
  }),
});
export type Reorder = z.infer<typeof ReorderSchema>;

/** `GET /reorders` response body. */
export const ReordersPageSchema = z.object({
  reorders: z.array(ReorderSchema),
  next_cursor: z.string().nullable().meta({
    description: 'Pass as `cursor` (with the same filters) for the next page; null on the last one',
  }),
});
export type ReordersPage = z.infer<typeof ReordersPageSchema>;

/** Units a location has or will have: available (on hand − reserved) plus what is in transit to it. */
export function stockPosition(level: StockLevel): number {
  return available(level) + (level.in_transit ?? 0);
}

/**
 * Whether a location should reorder: its stock position is below its reorder point. A point of 0
 * never asks.
 */
export function needsReorder(level: StockLevel): boolean {
  return stockPosition(level) < (level.reorder_point ?? 0);
}

/**
 * What a location below its point should order: its reorder_quantity, or, when that would still
 * leave it below the point, what brings its position back to the point.
 */
export function suggestedQuantity(level: StockLevel): number {
  const shortfall = (level.reorder_point ?? 0) - stockPosition(level);
  return Math.max(level.reorder_quantity ?? 0, shortfall);
}
