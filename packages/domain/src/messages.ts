import { z } from 'zod';
import { LocationSchema, ProductIdSchema } from './ids.js';
import { StockLocationSchema } from './locations.js';
import { ProductSchema, QuantitySchema, StockLevelSchema } from './stock.js';
import { MovementTypeSchema } from './update-type.js';

/** The Redis channel every instance publishes changes on and subscribes to. */
export const INVENTORY_CHANNEL = 'inventory_updates';

const Origin = {
  /** Store name of the instance that made the change. */
  store: LocationSchema,
  /** Unique id of that instance process. */
  instance_id: z.string().min(1).max(128),
  timestamp: z.string(),
};

/** One committed stock change at one location, with the row as it now stands. */
export const StockChangedMessageSchema = z.object({
  type: z.literal('stock_changed'),
  product_id: ProductIdSchema,
  location: LocationSchema,
  on_hand: QuantitySchema,
  reserved: QuantitySchema,
  /**
   * Units sent here by transfers and not yet received, as the row now stands. Carried by the
   * changes that move it (a transfer's steps, a write outside the functions); a change without it
   * left it as the row's previous version had it.
   */
  in_transit: QuantitySchema.optional(),
  version: z.number().int().positive(),
  /** Change to on hand. */
  change: z.number().int(),
  /** Change to reserved (holds placed, committed, released or expired). */
  reserved_change: z.number().int().default(0),
  update_type: MovementTypeSchema,
  /** The ledger row, for changes to on hand; null for changes to holds only. */
  event_id: z.number().int().positive().nullable(),
  request_id: z.string().nullable(),
  order_id: z.string().nullable().default(null),
  reservation_id: z.string().nullable().default(null),
  /** The transfer this change is a step of. */
  transfer_id: z.string().nullable().default(null),
  updated_at: z.string(),
  /** The row's planning fields as they now stand; absent from a message that did not change them. */
  reorder_point: QuantitySchema.optional(),
  reorder_quantity: QuantitySchema.optional(),
  ...Origin,
});
export type StockChangedMessage = z.infer<typeof StockChangedMessageSchema>;

/** A product added to the catalogue, with its initial stock levels. */
export const ProductCreatedMessageSchema = z.object({
  type: z.literal('product_created'),
  product: ProductSchema,
  levels: z.array(StockLevelSchema),
  ...Origin,
});
export type ProductCreatedMessage = z.infer<typeof ProductCreatedMessageSchema>;

/** An API key was revoked: every instance forgets it at once. */
export const KeyRevokedMessageSchema = z.object({
  type: z.literal('key_revoked'),
  key_id: z.string().min(1).max(64),
  ...Origin,
});
export type KeyRevokedMessage = z.infer<typeof KeyRevokedMessageSchema>;

/** A location was added, renamed, or made active or inactive: every instance's list follows. */
export const LocationChangedMessageSchema = z.object({
  type: z.literal('location_changed'),
  location: StockLocationSchema,
  ...Origin,
});
export type LocationChangedMessage = z.infer<typeof LocationChangedMessageSchema>;

/** Everything published on {@link INVENTORY_CHANNEL}. */
export const InventoryMessageSchema = z.discriminatedUnion('type', [
  StockChangedMessageSchema,
  ProductCreatedMessageSchema,
  KeyRevokedMessageSchema,
  LocationChangedMessageSchema,
]);
export type InventoryMessage = z.infer<typeof InventoryMessageSchema>;

/**
 * The Postgres channel on which the database announces stock writes that no store published: a
 * write to the table outside Stockwire's functions, or a call of the functions by another service.
 * A listening store relays each one to {@link INVENTORY_CHANNEL} as a `stock_changed` message.
 */
export const STOCK_NOTIFY_CHANNEL = 'stock_changes';

/** The payload of a notification on {@link STOCK_NOTIFY_CHANNEL}: the row as it now stands. */
export const StockNotificationSchema = StockLevelSchema.pick({
  location: true,
  on_hand: true,
  reserved: true,
  in_transit: true,
  version: true,
  updated_at: true,
}).extend({
  product_id: ProductIdSchema,
  change: z.number().int(),
  reserved_change: z.number().int(),
  /** `external` for a write outside the functions; null for one by them (their ledger row tells). */
  update_type: z.literal('external').nullable(),
  /** The ledger row the database wrote for an external change of on hand, if any. */
  event_id: z.number().int().positive().nullable(),
});
export type StockNotification = z.infer<typeof StockNotificationSchema>;
