import {
  MAX_QUANTITY,
  changeFitsType,
  type InventoryEvent,
  type Location,
  type Product,
  type ProductId,
  type ProductStock,
  type StockLevel,
  type StockLocation,
} from '@stockwire/domain';
import type { StoredApiKey } from '../auth/api-keys.js';
import type {
  ApiKeyResult,
  CreateProductResult,
  Effects,
  FinishResult,
  Idempotent,
  InventoryStore,
  LocationResult,
  MoveResult,
  OrderResult,
  Reservation,
  CountResult,
  ReorderPointResult,
  ReserveResult,
  StockChange,
  StoredAlert,
} from './inventory.store.js';

interface Entry {
  product: Product;
  levels: Map<Location, StockLevel>;
}

/** A copy of a product and its rows, so that no caller shares a row with the store. */
const copyOf = ({ product, levels }: ProductStock): Entry => ({
  product: { ...product },
  levels: new Map([...levels].map(([location, level]) => [location, { ...level }])),
});

const refused = (code: 'product_not_found' | 'invalid_change'): MoveResult => ({
  ok: false,
  code,
  changes: [],
  expired: [],
});

function unsupported(method: string): Promise<never> {
  return Promise.reject(new Error(`${method} is not supported by the in-memory store`));
}

/**
 * An {@link InventoryStore} in memory, for tests of the logic above the port (the sync above all)
 * without a database. It holds products and their stock rows with versions, and applies stock
 * changes as `apply_stock_changes` does: each one guarded (on hand never below what is reserved,
 * never above the integer range), its row's version raised by one, a refused change leaving its
 * neighbours alone. Reads answer copies, so a caller never shares a row with the store.
 *
 * It is not a database: idempotency keys, reservations, orders, idempotent responses, the ledger,
 * alerts and API keys are not supported by the in-memory store; those methods reject saying so.
 */
export class MemoryInventoryStore implements InventoryStore {
  private readonly entries = new Map<ProductId, Entry>();
  private nextEventId = 1;
  private gate: Promise<void> | null = null;

  constructor(initial: readonly ProductStock[] = []) {
    for (const stock of initial) this.put(stock);
  }

  /**
   * Sets a product to exactly `stock`, as a write that came through no store would (psql, Studio):
   * nothing is announced.
   */
  put(stock: ProductStock): void {
    this.entries.set(stock.product.id, copyOf(stock));
  }

  /**
   * Holds every read begun from now on until the returned function is called; each answers what
   * the store held when it began, as a database read answers its snapshot.
   */
  holdReads(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = null;
      release();
    };
  }

  private async read<T>(snapshot: T): Promise<T> {
    if (this.gate) await this.gate;
    return snapshot;
  }

  loadAll(): Promise<ProductStock[]> {
    const ids = [...this.entries.keys()].sort();
    return this.read(ids.map((id) => copyOf(this.entries.get(id)!)));
  }

  /** Every location its rows name, each an active store. */
  listLocations(): Promise<StockLocation[]> {
    const ids = new Set([...this.entries.values()].flatMap((e) => [...e.levels.keys()]));
    return this.read(
      [...ids].sort().map((id) => ({
        id,
        name: id,
        kind: 'store' as const,
        active: true,
        created_at: new Date(0).toISOString(),
      })),
    );
  }

  createLocation(): Promise<LocationResult> {
    return unsupported('createLocation');
  }

  updateLocation(): Promise<LocationResult> {
    return unsupported('updateLocation');
  }

  loadProduct(id: ProductId): Promise<ProductStock | null> {
    const entry = this.entries.get(id);
    return this.read(entry ? copyOf(entry) : null);
  }

  applyChanges(changes: readonly StockChange[]): Promise<Idempotent<MoveResult>[]> {
    if (changes.some((c) => c.idempotency)) return unsupported('an idempotency key');
    return Promise.resolve(
      changes.map((c) => ({ replayed: false, result: this.apply(c), response: null })),
    );
  }

  private apply(c: StockChange): MoveResult {
    const entry = this.entries.get(c.product_id);
    if (!entry) return refused('product_not_found');
    if (!changeFitsType(c.update_type, c.change)) return refused('invalid_change');
    const row = entry.levels.get(c.location);
    const onHand = (row?.on_hand ?? 0) + c.change;
    const reserved = row?.reserved ?? 0;
    if (onHand < reserved || onHand > MAX_QUANTITY || (!row && c.change < 0)) {
      return {
        ok: false,
        code: c.change > 0 ? 'quantity_out_of_range' : 'insufficient_stock',
        available: row ? row.on_hand - row.reserved : 0,
        changes: [],
        expired: [],
      };
    }
    const level: StockLevel = {
      location: c.location,
      on_hand: onHand,
      reserved,
      in_transit: row?.in_transit ?? 0,
      version: (row?.version ?? 0) + 1,
      updated_at: new Date().toISOString(),
    };
    entry.levels.set(c.location, level);
    const change = {
      ...level,
      product_id: c.product_id,
      change: c.change,
      reserved_change: 0,
      update_type: c.update_type,
      event_id: this.nextEventId++,
      order_id: null,
      reservation_id: null,
      transfer_id: null,
    };
    return { ok: true, available: onHand - reserved, changes: [change], expired: [] };
  }

  createProduct(): Promise<Idempotent<CreateProductResult>> {
    return unsupported('createProduct');
  }

  recordCount(): Promise<Idempotent<CountResult>> {
    return unsupported('recordCount');
  }

  setReorderPoint(): Promise<ReorderPointResult> {
    return unsupported('setReorderPoint');
  }

  reserve(): Promise<Idempotent<ReserveResult>[]> {
    return unsupported('reserve');
  }

  finishReservation(): Promise<Idempotent<FinishResult>> {
    return unsupported('finishReservation');
  }

  expireReservations(): Promise<Effects> {
    return unsupported('expireReservations');
  }

  getReservation(): Promise<Reservation | null> {
    return unsupported('getReservation');
  }

  placeOrder(): Promise<Idempotent<OrderResult>> {
    return unsupported('placeOrder');
  }

  saveIdempotentResponse(): Promise<void> {
    return unsupported('saveIdempotentResponse');
  }

  purgeIdempotencyKeys(): Promise<number> {
    return unsupported('purgeIdempotencyKeys');
  }

  committedLate(): Promise<{ product_id: ProductId; location: Location }[]> {
    return unsupported('committedLate');
  }

  listEvents(): Promise<InventoryEvent[]> {
    return unsupported('listEvents');
  }

  listAlerts(): Promise<StoredAlert[]> {
    return unsupported('listAlerts');
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  createApiKey(): Promise<ApiKeyResult> {
    return unsupported('createApiKey');
  }

  revokeApiKey(): Promise<ApiKeyResult> {
    return unsupported('revokeApiKey');
  }

  listApiKeys(): Promise<StoredApiKey[]> {
    return unsupported('listApiKeys');
  }

  findApiKey(): Promise<StoredApiKey | null> {
    return unsupported('findApiKey');
  }
}
