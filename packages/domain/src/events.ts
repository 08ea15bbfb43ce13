import type { ProductId, Location, StoreName } from './ids.js';
import type { ProductInventory } from './stock.js';
import type { UpdateType } from './update-type.js';

/**
 * One stock change as clients see it, on Socket.IO (`update`) and `/ws` (`{type: "update"}`).
 * Field names follow the inventory service Stockwire replaces.
 */
export interface StockUpdate {
  product_id: ProductId;
  warehouse: Location;
  /** On-hand quantity at `warehouse` after the change. */
  quantity: number;
  change: number;
  update_type: UpdateType;
  /** Version of the (product, warehouse) row; drop an update whose version is not newer. */
  version: number;
  /** Version of the whole product, as in the product view. */
  product_version: number;
  timestamp: string;
  total_stock: number;
  reserved_stock: number;
  available_stock: number;
  /** The store where the change was made. */
  store: StoreName;
  event_id: number;
}

/** Sent to a store's live clients just before it stops: reconnect, to another store if need be. */
export interface ShutdownNotice {
  store: StoreName;
  reason: string;
  reconnect: true;
}

/** Socket.IO events a store emits to its clients. */
export interface ServerToClientEvents {
  /** All products, sent once on connect (and again after the store resyncs). */
  snapshot: (products: ProductInventory[]) => void;
  update: (update: StockUpdate) => void;
  /** A product's full view, sent when it is created or repaired from the database. */
  product: (product: ProductInventory) => void;
  /** The store is stopping; the connection closes next and the client should reconnect. */
  shutdown: (notice: ShutdownNotice) => void;
}

/** Socket.IO events clients may send; none yet: changes go through HTTP. */
export type ClientToServerEvents = Record<string, never>;

/** Messages on the plain WebSocket feed at `/ws`. */
export type WsMessage =
  | { type: 'snapshot'; data: ProductInventory[] }
  | { type: 'update'; data: StockUpdate }
  | { type: 'product'; data: ProductInventory }
  | { type: 'shutdown'; data: ShutdownNotice };
