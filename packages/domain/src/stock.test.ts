import { describe, expect, it } from 'vitest';
import { judgeVersion, toProductInventory, type StockLevel } from './stock.js';

const level = (
  location: string,
  on_hand: number,
  reserved: number,
  version: number,
  at: string,
  in_transit = 0,
): StockLevel => ({
  location,
  on_hand,
  reserved,
  in_transit,
  version,
  updated_at: at,
});

describe('judgeVersion', () => {
  it('applies the next version of a known row', () => {
    expect(judgeVersion(4, 5)).toBe('apply');
  });
  it('ignores duplicates and older versions', () => {
    expect(judgeVersion(5, 5)).toBe('stale');
    expect(judgeVersion(5, 3)).toBe('stale');
  });
  it('reports a gap when versions were skipped', () => {
    expect(judgeVersion(5, 7)).toBe('gap');
  });
  it('applies the first version of a new row, and calls any other unknown row a gap', () => {
    expect(judgeVersion(undefined, 1)).toBe('apply');
    expect(judgeVersion(undefined, 2)).toBe('gap');
  });
});

describe('toProductInventory', () => {
  const product = {
    id: 'OLJCESPC7Z',
    name: 'Sunglasses',
    description: '',
    low_stock_threshold: 10,
  };

  it('totals stock across locations and keeps the newest timestamp', () => {
    const view = toProductInventory({
      product,
      levels: new Map([
        ['main-store', level('main-store', 60, 5, 3, '2026-01-01T10:00:00Z')],
        ['mall-store', level('mall-store', 30, 0, 2, '2026-01-02T10:00:00Z', 7)],
      ]),
    });
    expect(view).toMatchObject({
      product_id: 'OLJCESPC7Z',
      total_stock: 90,
      reserved_stock: 5,
      available_stock: 85,
      in_transit_stock: 7,
      warehouses: { 'main-store': 60, 'mall-store': 30 },
      last_updated: '2026-01-02T10:00:00Z',
      version: 5,
    });
    expect(view.locations['main-store']).toEqual({
      on_hand: 60,
      reserved: 5,
      available: 55,
      in_transit: 0,
      version: 3,
      reorder_point: 0,
      reorder_quantity: 0,
    });
    // Units in transit are not on hand, and not available.
    expect(view.locations['mall-store']).toMatchObject({
      on_hand: 30,
      available: 30,
      in_transit: 7,
    });
  });

  it('shows reorder points per location as set and per product as their sum', () => {
    const view = toProductInventory({
      product,
      levels: new Map([
        [
          'main-store',
          { ...level('main-store', 6, 0, 2, 't'), reorder_point: 8, reorder_quantity: 20 },
        ],
        ['mall-store', { ...level('mall-store', 1, 0, 1, 't'), reorder_point: 3 }],
        ['downtown-store', level('downtown-store', 4, 0, 1, 't')],
      ]),
    });
    expect(view.reorder_point).toBe(11);
    expect(view.locations['main-store']).toMatchObject({ reorder_point: 8, reorder_quantity: 20 });
    expect(view.locations['mall-store']).toMatchObject({ reorder_point: 3, reorder_quantity: 0 });
    expect(view.locations['downtown-store']).toMatchObject({
      reorder_point: 0,
      reorder_quantity: 0,
    });
  });

  it('shows a product without stock as zero everywhere', () => {
    const view = toProductInventory({ product, levels: new Map() });
    expect(view).toMatchObject({
      total_stock: 0,
      available_stock: 0,
      warehouses: {},
      last_updated: null,
      version: 0,
    });
  });
});
