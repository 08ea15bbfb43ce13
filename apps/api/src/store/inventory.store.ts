import type { ApiKeyStore, StoredApiKey } from '../auth/api-keys.js';
import type {
  AlertsQuery,
  EventsQuery,
  CountLine,
  CountLineResult,
  CountRefusalCode,
  CreateLocationRequest,
  RefusedCountLine,
  HoldRefusalCode,
  InventoryEvent,
  Location,
  LocationRefusalCode,
  MovementType,
  Product,
  ProductId,
  ProductStock,
  RefusalCode,
  Role,
  StockLevel,
  StockLocation,
  RecordedStockAlert,
  StoreName,
  StockwireError,
  UpdateLocationRequest,
  UpdateType,
} from '@stockwire/domain';

/**
 * A client-chosen key that makes a write safe to retry: the database applies the write at most
 * once per key, and answers a retry with the first result.
 */
export interface IdempotencyKey {
  key: string;
  /** The operation, e.g. `POST /inventory/OLJCESPC7Z/update`: a key is for one operation. */
  scope: string;
  /** Hash of the request body: the same key with another body is refused. */
  hash: string;
  /** How long the key is kept. */
  ttl_seconds: number;
}

/**
 * A stock row as a write left it, with what the write changed. Published to every instance.
 * `in_transit` only from the writes that move it: without it, the row's previous version's holds.
 */
export interface RowChange extends Omit<StockLevel, 'in_transit'> {
  in_transit?: number | undefined;
  product_id: ProductId;
  change: number;
  reserved_change: number;
  update_type: MovementType;
  event_id: number | null;
  order_id: string | null;
  reservation_id: string | null;
  /** The transfer this change is a step of. */
  transfer_id: string | null;
}

/** A hold whose time ran out and that a write released. Its client is told. */
export interface ExpiredHold {
  reservation_id: string;
  product_id: ProductId;
  location: Location;
  quantity: number;
  client_id: string | null;
  order_id: string | null;
}

/** What a write did to stock, refused or not: row changes to publish, expired holds to notify. */
export interface Effects {
  changes: RowChange[];
  expired: ExpiredHold[];
}

export type { RefusalCode };

export type MoveResult = Effects &
  ({ ok: true; available: number } | { ok: false; code: RefusalCode; available?: number });

/** The outcome of a write made with an optional idempotency key. */
export type Idempotent<T> =
  | {
      replayed: boolean;
      result: T;
      /** The HTTP response kept for the key, when this is a replay. */
      response: { status: number; body: unknown } | null;
    }
  | { mismatch: true }
  /** The answer was lost and whether the write was made could not be found out: this error says so. */
  | { lost: StockwireError };

/** One stock change to apply. */
export interface StockChange {
  product_id: ProductId;
  location: Location;
  change: number;
  update_type: UpdateType;
  request_id: string | null;
  store: StoreName;
  actor: string;
  idempotency?: IdempotencyKey;
  /**
   * The row's version as the store knew it when it sent the change: should the answer be lost,
   * the change, if made, is a ledger row of this request after that version.
   */
  known_version?: number;
}

export interface Reservation {
  id: string;
  product_id: ProductId;
  location: Location;
  quantity: number;
  status: 'held' | 'committed' | 'released' | 'expired';
  expires_at: string;
  client_id: string | null;
  order_id: string | null;
  store: StoreName;
  created_at: string;
  updated_at: string;
}

export interface HoldRequest {
  product_id: ProductId;
  location: Location;
  quantity: number;
  ttl_seconds: number;
  client_id: string | null;
  store: StoreName;
  request_id: string | null;
  actor: string;
  idempotency?: IdempotencyKey;
}

export type ReserveResult = MoveResult & { reservation?: Reservation };

export interface FinishRequest {
  reservation_id: string;
  action: 'commit' | 'release';
  store: StoreName;
  request_id: string | null;
  actor: string;
  idempotency?: IdempotencyKey;
}

export type FinishResult = Effects &
  (
    | { ok: true; reservation: Reservation }
    | {
        ok: false;
        code: HoldRefusalCode;
        reservation?: Reservation;
      }
  );

export interface OrderToPlace {
  order_id: string;
  lines: { product_id: ProductId; location: Location; quantity: number }[];
  store: StoreName;
  request_id: string | null;
  actor: string;
  idempotency?: IdempotencyKey;
}

export type OrderResult = Effects &
  (
    | { ok: true; duplicate?: boolean; order_id: string; lines: OrderToPlace['lines'] }
    | {
        ok: false;
        code: RefusalCode;
        order_id: string;
        line: { index: number; product_id: ProductId; location: Location; available: number };
      }
  );

export interface NewProduct {
  product: Product;
  /** Initial on-hand quantity per location. */
  stock: Record<Location, number>;
  request_id: string | null;
  store: StoreName;
  actor: string;
  idempotency?: IdempotencyKey;
}

export type CreateProductResult =
  | { ok: true; product: Product; levels: StockLevel[] }
  | { ok: false; code: 'product_exists' }
  | { ok: false; code: LocationRefusalCode; location: Location };

/** A reorder point and quantity to set for a product at a location; what is left out stays. */
export interface ReorderPointChange {
  product_id: ProductId;
  location: Location;
  reorder_point?: number;
  reorder_quantity?: number;
  store: StoreName;
}

export type ReorderPointResult = Effects &
  ({ ok: true } | { ok: false; code: 'product_not_found' | LocationRefusalCode });

/** A stocktake to record: see `record_count` in supabase/schemas. */
export interface CountToRecord {
  count_id: string;
  location: Location;
  lines: CountLine[];
  all_or_nothing: boolean;
  store: StoreName;
  request_id: string | null;
  actor: string;
  idempotency?: IdempotencyKey;
}

export type CountResult = Effects &
  (
    | {
        ok: true;
        duplicate?: boolean;
        count_id: string;
        location: Location;
        all_or_nothing: boolean;
        lines: CountLineResult[];
      }
    | { ok: false; code: LocationRefusalCode; count_id: string; line: null }
    | { ok: false; code: CountRefusalCode; count_id: string; line: RefusedCountLine }
  );

export type LocationResult =
  | { ok: true; location: StockLocation }
  | { ok: false; code: 'location_exists' | 'location_not_found' };

export type ApiKeyResult =
  { ok: true; key: StoredApiKey } | { ok: false; code: 'key_exists' | 'key_not_found' };

/** An API key to record: only its hash is kept, never the key. */
export interface NewApiKey {
  id: string;
  role: Role;
  key_hash: string;
  created_by: string;
}

/** A history query without its page size: the filters and the id bounds. */
export type HistoryFilter<Q extends { limit: number }> = Omit<Q, 'limit'>;

/** An alert as the database records it (the product's name is the cache's to add). */
export type StoredAlert = Omit<RecordedStockAlert, 'name'>;

/**
 * The system of record, as the inventory services need it. Every write is one atomic call to one
 * SQL function; batch calls answer per item, in order.
 */
export interface InventoryStore extends ApiKeyStore {
  applyChanges(changes: readonly StockChange[]): Promise<Idempotent<MoveResult>[]>;
  reserve(holds: readonly HoldRequest[]): Promise<Idempotent<ReserveResult>[]>;
  finishReservation(request: FinishRequest): Promise<Idempotent<FinishResult>>;
  /** Releases holds whose time is up; safe to call from every instance at once. */
  expireReservations(maxRows: number, store: StoreName): Promise<Effects>;
  getReservation(id: string): Promise<Reservation | null>;
  placeOrder(order: OrderToPlace): Promise<Idempotent<OrderResult>>;
  /** Keeps the HTTP response of a keyed request, for retries to get verbatim. */
  saveIdempotentResponse(key: string, status: number, body: unknown): Promise<void>;
  purgeIdempotencyKeys(): Promise<number>;
  createProduct(input: NewProduct): Promise<Idempotent<CreateProductResult>>;
  setReorderPoint(change: ReorderPointChange): Promise<ReorderPointResult>;
  recordCount(count: CountToRecord): Promise<Idempotent<CountResult>>;
  loadAll(): Promise<ProductStock[]>;
  /** Every location, active or not. */
  listLocations(): Promise<StockLocation[]>;
  createLocation(location: CreateLocationRequest): Promise<LocationResult>;
  updateLocation(id: Location, patch: UpdateLocationRequest): Promise<LocationResult>;
  loadProduct(id: ProductId): Promise<ProductStock | null>;
  /** Ledger rows matching the filter, newest first, at most `limit`. */
  listEvents(filter: HistoryFilter<EventsQuery>, limit: number): Promise<InventoryEvent[]>;
  /**
   * The stock rows of ledger rows that may have committed after row `since` although their ids
   * are lower (see `public.ledger_committed_late`): a client that saw `since` may have missed them.
   */
  committedLate(since: number): Promise<{ product_id: ProductId; location: Location }[]>;
  /** Recorded low-stock alerts matching the filter, newest first, at most `limit`. */
  listAlerts(filter: HistoryFilter<AlertsQuery>, limit: number): Promise<StoredAlert[]>;
  /** Whether the database answers. */
  ping(): Promise<boolean>;
  createApiKey(key: NewApiKey): Promise<ApiKeyResult>;
  revokeApiKey(id: string): Promise<ApiKeyResult>;
  listApiKeys(): Promise<StoredApiKey[]>;
}
