import type { StockAlert, StockChangedMessage, StockLevel } from '@stockwire/domain';
import { beforeEach, describe, expect, it } from 'vitest';
import { InventoryCache } from '../sync/inventory.cache.js';
import { LowStockMonitor } from './low-stock.monitor.js';

const product = { id: 'P1', name: 'Mug', description: '', low_stock_threshold: 10 };

const level = (
  location: string,
  on_hand: number,
  reserved: number,
  version: number,
): StockLevel => ({
  location,
  on_hand,
  reserved,
  in_transit: 0,
  version,
  updated_at: `t${version}`,
});

let cache: InventoryCache;
let monitor: LowStockMonitor;
let delivered: StockAlert[];
let announced: StockAlert[];

/** Applies a committed row version to the cache, as the sync does, and tells the monitor. */
function change(row: StockLevel, store = 'main-store') {
  const message: StockChangedMessage = {
    type: 'stock_changed',
    product_id: 'P1',
    ...row,
    change: -1,
    reserved_change: 0,
    update_type: 'sale',
    event_id: row.version,
    request_id: null,
    order_id: null,
    reservation_id: null,
    transfer_id: null,
    store,
    instance_id: store,
    timestamp: row.updated_at,
  };
  cache.apply(message);
  const view = cache.view('P1')!;
  monitor.onUpdate({
    product_id: 'P1',
    warehouse: row.location,
    quantity: row.on_hand,
    change: -1,
    reserved_change: 0,
    in_transit: row.in_transit,
    update_type: 'sale',
    version: row.version,
    product_version: view.version,
    timestamp: row.updated_at,
    total_stock: view.total_stock,
    reserved_stock: view.reserved_stock,
    available_stock: view.available_stock,
    store,
    event_id: row.version,
    order_id: null,
    reservation_id: null,
    transfer_id: null,
  });
}

const kinds = (alerts: StockAlert[]) => alerts.map((a) => `${a.kind}@${a.location}:v${a.version}`);

beforeEach(() => {
  cache = new InventoryCache();
  cache.merge({ product, levels: new Map([['main-store', level('main-store', 12, 0, 1)]]) });
  delivered = [];
  announced = [];
  monitor = new LowStockMonitor({
    store: 'main-store',
    viewAt: (id, location) => cache.viewAt(id, location),
    level: (id, location) => cache.level(id, location),
    listeners: [{ onAlert: (a) => delivered.push(a) }],
    announce: (a) => announced.push(a),
  });
  monitor.prime(cache.views());
});

describe('LowStockMonitor', () => {
  it('delivers low_stock once when available stock falls below the threshold, and back_in_stock once when it recovers', () => {
    change(level('main-store', 11, 0, 2));
    expect(delivered).toEqual([]);
    change(level('main-store', 9, 0, 3));
    change(level('main-store', 8, 0, 4));
    change(level('main-store', 13, 0, 5));
    change(level('main-store', 20, 0, 6));
    expect(kinds(delivered)).toEqual(['low_stock@main-store:v3', 'back_in_stock@main-store:v5']);
    expect(delivered[0]).toEqual({
      kind: 'low_stock',
      product_id: 'P1',
      name: 'Mug',
      location: 'main-store',
      available: 9,
      on_hand: 9,
      reserved: 0,
      threshold: 10,
      version: 3,
      created_at: 't3',
    });
  });

  it('announces a crossing only where the store that made the change runs', () => {
    change(level('main-store', 9, 0, 2), 'downtown-store');
    change(level('main-store', 15, 0, 3), 'main-store');
    expect(kinds(delivered)).toEqual(['low_stock@main-store:v2', 'back_in_stock@main-store:v3']);
    expect(kinds(announced)).toEqual(['back_in_stock@main-store:v3']);
  });

  it('counts reserved units as unavailable', () => {
    change(level('main-store', 12, 3, 2));
    expect(kinds(delivered)).toEqual(['low_stock@main-store:v2']);
    expect(delivered[0]).toMatchObject({ available: 9, on_hand: 12, reserved: 3 });
  });

  it('does not deliver a crossing twice when the same version is seen again', () => {
    change(level('main-store', 9, 0, 2));
    monitor.onProduct(cache.view('P1')!);
    monitor.onSnapshot(cache.views());
    expect(kinds(delivered)).toEqual(['low_stock@main-store:v2']);
  });

  it('stays silent for a row that comes into existence, even below the threshold', () => {
    change(level('mall-store', 3, 0, 1));
    expect(delivered).toEqual([]);
    change(level('mall-store', 12, 0, 2));
    expect(kinds(delivered)).toEqual(['back_in_stock@mall-store:v2']);
  });

  it('delivers the net crossing when a row is repaired from the database over missing versions', () => {
    cache.merge({ product, levels: new Map([['main-store', level('main-store', 4, 0, 6)]]) });
    monitor.onProduct(cache.view('P1')!);
    expect(kinds(delivered)).toEqual(['low_stock@main-store:v6']);
    // Repairs are not changes this instance made: nothing to log here.
    expect(announced).toEqual([]);
  });

  it('delivers reorder_needed once per crossing below the reorder point, re-armed at or above it', () => {
    const point = (on_hand: number, version: number, reorder_point = 10): StockLevel => ({
      ...level('main-store', on_hand, 0, version),
      reorder_point,
      in_transit: 2,
    });
    change(point(12, 2)); // position 14: above
    change(point(7, 3)); // position 9: crosses below
    change(point(6, 4)); // stays below
    change(point(8, 5)); // position 10: back at the point, re-armed
    change(point(5, 6)); // crosses again
    change(point(5, 7, 20)); // still below, with a higher point: no new crossing
    const reorders = delivered.filter((a) => a.kind === 'reorder_needed');
    expect(kinds(reorders)).toEqual([
      'reorder_needed@main-store:v3',
      'reorder_needed@main-store:v6',
    ]);
    expect(reorders[0]).toMatchObject({ available: 7, threshold: 10 });
  });

  it('delivers reorder_needed when the point is raised above the stock', () => {
    change({ ...level('main-store', 12, 0, 2), reorder_point: 15 });
    expect(kinds(delivered)).toEqual(['reorder_needed@main-store:v2']);
  });
});
