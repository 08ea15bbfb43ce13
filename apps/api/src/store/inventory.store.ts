import type {
  AlertsQuery,
  EventsQuery,
  InventoryEvent,
  Location,
  Product,
  ProductId,
  ProductStock,
  StockLevel,
  RecordedStockAlert,
  StoreName,
  UpdateType,
} from '@stockwire/domain';

/** One stock change to apply. */
export interface StockChange {
  product_id: ProductId;
  location: Location;
  change: number;
  update_type: UpdateType;
  request_id: string | null;
  store: StoreName;
}

/** A change the database applied: the row as it now stands and its ledger entry. */
export interface AppliedChange extends StockLevel {
  ok: true;
  product_id: ProductId;
  change: number;
  update_type: UpdateType;
  event_id: number;
}

/** A change the database refused; nothing of it was written. */
export interface RefusedChange {
  ok: false;
  code: 'product_not_found' | 'insufficient_stock' | 'quantity_out_of_range' | 'invalid_change';
  /** Units available at the location when refused. */
  available?: number;
}

export type ChangeResult = AppliedChange | RefusedChange;

export interface NewProduct {
  product: Product;
  /** Initial on-hand quantity per location. */
  stock: Record<Location, number>;
  request_id: string | null;
  store: StoreName;
}

export type CreateProductResult =
  { ok: true; product: Product; levels: StockLevel[] } | { ok: false; code: 'product_exists' };

/** A history query without its page size: the filters and the id bounds. */
export type HistoryFilter<Q extends { limit: number }> = Omit<Q, 'limit'>;

/** An alert as the database records it (the product's name is the cache's to add). */
export type StoredAlert = Omit<RecordedStockAlert, 'name'>;

/**
 * The system of record, as the inventory services need it. Every write is one atomic call;
 * `applyChanges` takes a batch and answers per change, in order.
 */
export interface InventoryStore {
  applyChanges(changes: readonly StockChange[]): Promise<ChangeResult[]>;
  createProduct(input: NewProduct): Promise<CreateProductResult>;
  loadAll(): Promise<ProductStock[]>;
  loadProduct(id: ProductId): Promise<ProductStock | null>;
  /** Ledger rows matching the filter, newest first, at most `limit`. */
  listEvents(filter: HistoryFilter<EventsQuery>, limit: number): Promise<InventoryEvent[]>;
  /** Recorded low-stock alerts matching the filter, newest first, at most `limit`. */
  listAlerts(filter: HistoryFilter<AlertsQuery>, limit: number): Promise<StoredAlert[]>;
  /** Whether the database answers. */
  ping(): Promise<boolean>;
}
