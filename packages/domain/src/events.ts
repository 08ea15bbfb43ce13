import type { StockAlert } from './alerts.js';
import type { ProductId, Location, StoreName } from './ids.js';
import type { StockLocation } from './locations.js';
import type { ProductInventory } from './stock.js';
import type { MovementType } from './update-type.js';

/**
 * One stock change as clients see it, on Socket.IO (`update`) and `/ws` (`{type: "update"}`).
 * Field names follow the inventory service Stockwire replaces.
 */
export interface StockUpdate {
  product_id: ProductId;
  warehouse: Location;
  /** On-hand quantity at `warehouse` after the change. */
  quantity: number;
  /** Change to on hand at `warehouse`. */
  change: number;
  /** Change to reserved at `warehouse`. */
  reserved_change: number;
  /** Units on their way to `warehouse` by transfer, not yet received, after the change. */
  in_transit: number;
  update_type: MovementType;
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
  /** The ledger row; null when only holds changed. */
  event_id: number | null;
  order_id: string | null;
  reservation_id: string | null;
  /** The transfer this change is a step of. */
  transfer_id: string | null;
}

/** Sent to the client that placed a hold (wherever it is connected) when the hold runs out. */
export interface ReservationExpiredNotice {
  reservation_id: string;
  product_id: ProductId;
  warehouse: Location;
  quantity: number;
  order_id: string | null;
}

/** Low-stock alerts, emitted once per crossing to every client of every store. */
export interface AlertEvents {
  low_stock: (alert: StockAlert) => void;
  back_in_stock: (alert: StockAlert) => void;
  /** Available + in transit at a location fell below its reorder point: once per crossing. */
  reorder_needed: (alert: StockAlert) => void;
}

/** Sent to a store's live clients just before it stops: reconnect, to another store if need be. */
export interface ShutdownNotice {
  store: StoreName;
  reason: string;
  reconnect: true;
}

/** Socket.IO events a store emits to its clients. */
export interface ServerToClientEvents extends AlertEvents {
  /**
   * All products (all the client watches), sent once on connect and again after the store
   * resyncs; `info` says why when it replaces a resume that could not be served.
   */
  snapshot: (products: ProductInventory[], info?: SnapshotInfo) => void;
  /** A resume is complete: the missed updates came before it, live ones follow. */
  resumed: (notice: ResumeNotice) => void;
  update: (update: StockUpdate) => void;
  /** A product's full view, sent when it is created or repaired from the database. */
  product: (product: ProductInventory) => void;
  reservation_expired: (notice: ReservationExpiredNotice) => void;
  /** A location was added, renamed, or made active or inactive, at any store. */
  location: (location: StockLocation) => void;
  /** The store is stopping; the connection closes next and the client should reconnect. */
  shutdown: (notice: ShutdownNotice) => void;
}

/**
 * Handshake data a Socket.IO client may send (`io(url, {auth: {client_id}})`): the id it also sends
 * as `client_id` with its holds, so that it hears about them wherever it is connected.
 */
export interface SocketAuth {
  client_id?: string;
  /** The last `event_id` the client saw: it gets what it missed since instead of a snapshot. */
  since?: number;
}

/** The most missed ledger rows a resume replays; beyond them, a snapshot. */
export const RESUME_MAX_EVENTS = 1000;

/** Why a snapshot came instead of the resume a client asked for. */
export interface SnapshotInfo {
  reason: 'resume_beyond_limit' | 'resume_unavailable';
}

/**
 * The end of a resume: every ledger row after `since` that the client watches was sent, in ledger
 * order, then each product they touched as it stands now (holds included).
 */
export interface ResumeNotice {
  since: number;
  /** The last ledger row sent, or `since` when there was nothing to send. */
  last_event_id: number;
  updates: number;
}

/** Socket.IO events clients may send; none yet: changes go through HTTP. */
export type ClientToServerEvents = Record<string, never>;

/** Messages on the plain WebSocket feed at `/ws`. */
export type WsMessage =
  | { type: 'snapshot'; data: ProductInventory[]; reason?: SnapshotInfo['reason'] }
  | { type: 'resumed'; data: ResumeNotice }
  | { type: 'update'; data: StockUpdate }
  | { type: 'product'; data: ProductInventory }
  | { type: 'location'; data: StockLocation }
  | { type: StockAlert['kind']; data: StockAlert }
  | { type: 'shutdown'; data: ShutdownNotice };
