import {
  needsReorder,
  stockAlertKind,
  type AlertKind,
  type StockLevel,
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
  /** A product as the cache holds it now, with one location only. */
  viewAt: (id: ProductId, location: Location) => ProductInventory | undefined;
  /** One stock row as the cache holds it now, with what is in transit to it. */
  level: (id: ProductId, location: Location) => StockLevel | undefined;
  /** This instance's realtime gateways. */
  listeners: AlertListener[];
  /** Called once per crossing cluster-wide: on the instance whose store made the change. */
  announce: (alert: StockAlert) => void;
}

interface RowState {
  version: number;
  available: number;
  /** Below its reorder point (available + in transit < reorder_point). */
  short: boolean;
}

const rowKey = (id: ProductId, location: Location) => `${id}\u0000${location}`;

/**
 * Detects low-stock and reorder-point crossings in this instance's cache and delivers them to this instance's
 * clients only. Every instance applies the same versions of a stock row in order, so every
 * instance sees the same crossings, and each client, connected to one instance, gets each
 * once. The database records the same crossings (trigger `record_stock_alert`, same rule:
 * {@link stockAlertKind}); this is only the live side.
 *
 * A reorder crossing (`reorder_needed`) is a row going below its reorder point from at or above
 * it, by a change of stock or of the point, and also a row that comes into existence below its
 * point (trigger `record_reorder_alert`, same rule: `needsReorder`).
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
          const row = this.options.level(view.product_id, location);
          this.rows.set(key, {
            version: level.version,
            available: level.available,
            short: row !== undefined && needsReorder(row),
          });
        }
      }
    }
  }

  onUpdate(update: StockUpdate): void {
    const view = this.options.viewAt(update.product_id, update.warehouse);
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
    const row = this.options.level(view.product_id, location);
    const short = row !== undefined && needsReorder(row);
    this.rows.set(key, { version: level.version, available: level.available, short });
    if (short && !known?.short) {
      this.deliver('reorder_needed', view, location, level.reorder_point, at, madeBy);
    }
    // A row that comes into existence crosses no low-stock threshold.
    if (!known) return;
    const kind = stockAlertKind(view.low_stock_threshold, known.available, level.available);
    if (kind) this.deliver(kind, view, location, view.low_stock_threshold, at, madeBy);
  }

  private deliver(
    kind: AlertKind,
    view: ProductInventory,
    location: Location,
    threshold: number,
    at: string,
    madeBy: StoreName | null,
  ): void {
    const level = view.locations[location]!;
    const alert: StockAlert = {
      kind,
      product_id: view.product_id,
      name: view.name,
      location,
      available: level.available,
      on_hand: level.on_hand,
      reserved: level.reserved,
      threshold,
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
  switch (alert.kind) {
    case 'low_stock':
      return `⚠️ LOW STOCK: ${where} - ${alert.available} available (${point})${alert.available === 0 ? ' - OUT OF STOCK!' : ''}`;
    case 'back_in_stock':
      return `✅ BACK IN STOCK: ${where} - ${alert.available} available (${point})`;
    case 'reorder_needed':
      return `📦 REORDER: ${where} - ${alert.available} available, below its ${point}`;
  }
}
