import { describe, expect, it } from 'vitest';
import { needsReorder, ReordersQuerySchema, stockPosition, suggestedQuantity } from './reorders.js';
import type { StockLevel } from './stock.js';

const row = (fields: Partial<StockLevel>): StockLevel => ({
  location: 'main-store',
  on_hand: 0,
  reserved: 0,
  in_transit: 0,
  version: 1,
  updated_at: 't',
  ...fields,
});

describe('reorder rule', () => {
  it('compares available plus in transit with the point', () => {
    const level = row({ on_hand: 10, reserved: 4, in_transit: 3, reorder_point: 10 });
    expect(stockPosition(level)).toBe(9);
    expect(needsReorder(level)).toBe(true);
    expect(needsReorder({ ...level, in_transit: 4 })).toBe(false);
  });

  it('never asks with a point of 0', () => {
    expect(needsReorder(row({ on_hand: 0 }))).toBe(false);
    expect(needsReorder(row({ on_hand: 0, reorder_point: 0, reorder_quantity: 50 }))).toBe(false);
  });

  it('suggests the reorder quantity, or what brings the position back to the point if more', () => {
    expect(suggestedQuantity(row({ on_hand: 8, reorder_point: 10, reorder_quantity: 25 }))).toBe(
      25,
    );
    expect(suggestedQuantity(row({ on_hand: 2, reorder_point: 30, reorder_quantity: 25 }))).toBe(
      28,
    );
    expect(suggestedQuantity(row({ on_hand: 2, reorder_point: 5 }))).toBe(3);
  });

  it('reads a page cursor and refuses a malformed one', () => {
    expect(ReordersQuerySchema.parse({ cursor: 'P1/main-store' })).toEqual({
      limit: 100,
      cursor: { product_id: 'P1', location: 'main-store' },
    });
    expect(ReordersQuerySchema.safeParse({ cursor: 'P1' }).success).toBe(false);
    expect(ReordersQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
  });
});
