import {
  AlertKindSchema,
  LedgerTypeSchema,
  LocationSchema,
  ProductSchema,
  RoleSchema,
  StockLevelSchema,
  StockLocationSchema,
  type InventoryEvent,
  type ProductStock,
} from '@stockwire/domain';
import { z } from 'zod';
import type { StoredAlert } from './inventory.store.js';

/*
 * The tables the store reads, each as the columns it selects and the schema that turns a row into
 * the port's type. Writes never touch tables from here: they are SQL functions.
 */

export const PRODUCT_COLUMNS =
  'id, name, description, low_stock_threshold, stock_levels(location, on_hand, reserved, version, updated_at, in_transit, reorder_point, reorder_quantity)';

export const ProductRowSchema = ProductSchema.extend({
  stock_levels: z.array(StockLevelSchema),
}).transform(({ stock_levels, ...product }): ProductStock => ({
  product,
  levels: new Map(stock_levels.map((l) => [l.location, l])),
}));

export const RESERVATION_COLUMNS =
  'id, product_id, location, quantity, status, expires_at, client_id, order_id, store, created_at, updated_at';

/** A reservation row; SQL functions answer with the same shape. */
export const ReservationSchema = z.object({
  id: z.string(),
  product_id: z.string(),
  location: LocationSchema,
  quantity: z.number().int(),
  status: z.enum(['held', 'committed', 'released', 'expired']),
  expires_at: z.string(),
  client_id: z.string().nullable(),
  order_id: z.string().nullable(),
  store: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const EVENT_COLUMNS =
  'id, product_id, location, update_type, change, previous_quantity, new_quantity, version, store, request_id, actor, order_id, reservation_id, transfer_id, created_at';

export const EventRowSchema = z
  .object({
    id: z.number().int(),
    product_id: z.string(),
    location: z.string(),
    update_type: LedgerTypeSchema,
    change: z.number().int(),
    previous_quantity: z.number().int(),
    new_quantity: z.number().int(),
    version: z.number().int(),
    store: z.string(),
    request_id: z.string().nullable(),
    actor: z.string().nullable(),
    order_id: z.string().nullable(),
    reservation_id: z.string().nullable(),
    transfer_id: z.string().nullable(),
    created_at: z.string(),
  })
  .transform(({ id, ...row }): InventoryEvent => ({ event_id: id, ...row }));

export const ALERT_COLUMNS =
  'id, product_id, location, kind, available, on_hand, reserved, threshold, version, created_at';

export const AlertRowSchema = z
  .object({
    id: z.number().int(),
    product_id: z.string(),
    location: z.string(),
    kind: AlertKindSchema,
    available: z.number().int(),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    threshold: z.number().int(),
    version: z.number().int(),
    created_at: z.string(),
  })
  .transform(({ id, ...row }): StoredAlert => ({ alert_id: id, ...row }));

/** The columns of an API key that may leave the database: never its hash. */
export const API_KEY_COLUMNS = 'id, role, created_by, created_at, revoked_at';

export const StoredApiKeySchema = z.object({
  id: z.string(),
  role: RoleSchema,
  created_by: z.string().nullable(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});

/** A location's row is what `GET /locations` lists, column for column. */
export const LOCATION_COLUMNS = 'id, name, kind, active, created_at';

export const LocationRowSchema = StockLocationSchema;
