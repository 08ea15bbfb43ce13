import {
  stockAlertKind,
  type Location,
  type ProductId,
  type ProductInventory,
  type StockAlert,
  type StockUpdate,
  type StoreName,
} from '@stockwire/domain';
import type { CacheListener } from '../sync/inventory.sync.js';

/** Where an instance delivers alerts: its own realtime clients. */
export interface AlertListener {
  onAlert(alert: StockAlert): void;
}

export interface LowStockMonitorOptions {
  /** This instance's store: changes made under its name are announced here. */
  store: StoreName;
  /** A product as the cache holds it now. */
  view: (id: ProductId) => ProductInventory | undefined;
  /** This instance's realtime gateways. */
  listeners: AlertListener[];
  /** Called once per crossing cluster-wide: on the instance whose store made the change. */
  announce: (alert: StockAlert) => void;
}

interface RowState {
  version: number;
  available: number;
}

const rowKey = (id: ProductId, location: Location) => `${id}\u0000${location}`;

/**
 * Detects low-stock crossings in this instance's cache and delivers them to this instance's
 * clients only. Every instance applies the same versions of a stock row in order, so every
 * instance sees the same crossings, and each client, connected to one instance, gets each
 * once. The database records the same crossings (trigger `record_stock_alert`, same rule:
 * {@link stockAlertKind}); this is only the live side.
 *
 * When a row is repaired from the database over missing versions, the alert for the net
 * change is delivered, if its side of the threshold changed.
 */
export class LowStockMonitor implements CacheListener {
  private readonly rows = new Map<string, RowState>();

  constructor(private readonly options: LowStockMonitorOptions) {}

  /** Takes in the rows as loaded at start-up, before clients connect. Known rows are kept. */
  prime(views: ProductInventory[]): void {
    for (const view of views) {
      for (const [location, level] of Object.entries(view.locations)) {
        const key = rowKey(view.product_id, location);
        if (!this.rows.has(key)) {
          this.rows.set(key, { version: level.version, available: level.available });
        }
      }
    }
  }

  onUpdate(update: StockUpdate): void {
    const view = this.options.view(update.product_id);
    if (view) this.observe(view, update.warehouse, update.timestamp, update.store);
  }

  onProduct(view: ProductInventory): void {
    for (const location of Object.keys(view.locations)) {
      this.observe(view, location, view.last_updated ?? new Date().toISOString(), null);
    }
  }

  onSnapshot(views: ProductInventory[]): void {
    for (const view of views) this.onProduct(view);
  }

  private observe(
    view: ProductInventory,
    location: Location,
    at: string,
    madeBy: StoreName | null,
  ): void {
    const level = view.locations[location];
    if (!level) return;
    const key = rowKey(view.product_id, location);
    const known = this.rows.get(key);
    if (known && level.version <= known.version) return;
    this.rows.set(key, { version: level.version, available: level.available });
    // A row that comes into existence crosses nothing.
    if (!known) return;
    const kind = stockAlertKind(view.low_stock_threshold, known.available, level.available);
    if (!kind) return;
    const alert: StockAlert = {
      kind,
      product_id: view.product_id,
      name: view.name,
      location,
      available: level.available,
      on_hand: level.on_hand,
      reserved: level.reserved,
      threshold: view.low_stock_threshold,
      version: level.version,
      created_at: at,
    };
    for (const listener of this.options.listeners) listener.onAlert(alert);
    if (madeBy === this.options.store) this.options.announce(alert);
  }
}

/** The log line of an alert, as a store manager reads it. */
export function describeAlert(alert: StockAlert): string {
  const where = `${alert.name} at ${alert.location}`;
  const point = `reorder point ${alert.threshold}`;
  return alert.kind === 'low_stock'
    ? `⚠️ LOW STOCK: ${where} - ${alert.available} available (${point})${alert.available === 0 ? ' - OUT OF STOCK!' : ''}`
    : `✅ BACK IN STOCK: ${where} - ${alert.available} available (${point})`;
}
