import { describe, expect, it } from 'vitest';
import { CreateProductRequestSchema, fieldErrors, StockUpdateRequestSchema } from './requests.js';

function errorsOf(input: unknown) {
  const result = StockUpdateRequestSchema.safeParse(input);
  return result.success ? {} : fieldErrors(result.error);
}

describe('StockUpdateRequestSchema', () => {
  it('accepts a sale with a negative change and an optional warehouse', () => {
    expect(StockUpdateRequestSchema.parse({ change: -2, update_type: 'sale' })).toEqual({
      change: -2,
      update_type: 'sale',
    });
    expect(
      StockUpdateRequestSchema.parse({ warehouse: 'US-WEST', change: 5, update_type: 'restock' })
        .warehouse,
    ).toBe('US-WEST');
  });

  it('names the field whose sign does not fit the update type', () => {
    expect(errorsOf({ change: 3, update_type: 'sale' })).toEqual({
      change: ['must be negative for update_type sale'],
    });
    expect(errorsOf({ change: -3, update_type: 'return' })).toHaveProperty('change');
    expect(errorsOf({ change: 0, update_type: 'adjustment' })).toEqual({
      change: ['must not be 0'],
    });
  });

  it('rejects fractions, huge numbers, strings, unknown types and unknown fields, each by name', () => {
    expect(Object.keys(errorsOf({ change: 1.5, update_type: 'restock' }))).toEqual(['change']);
    expect(Object.keys(errorsOf({ change: 1e12, update_type: 'restock' }))).toEqual(['change']);
    expect(Object.keys(errorsOf({ change: '-1', update_type: 'sale' }))).toEqual(['change']);
    expect(Object.keys(errorsOf({ change: -1, update_type: 'theft' }))).toEqual(['update_type']);
    expect(Object.keys(errorsOf({ change: -1, update_type: 'sale', qty: 1 }))).toEqual(['qty']);
    expect(
      Object.keys(errorsOf({ change: -1, update_type: 'sale', warehouse: "x'; drop" })),
    ).toEqual(['warehouse']);
  });

  it('calls a body that is not an object a body error', () => {
    expect(errorsOf(null)).toHaveProperty('body');
    expect(errorsOf([1, 2])).toHaveProperty('body');
  });
});

describe('CreateProductRequestSchema', () => {
  it('fills defaults and keeps initial stock per location', () => {
    expect(
      CreateProductRequestSchema.parse({ name: ' Lamp ', stock: { 'main-store': 4 } }),
    ).toEqual({
      name: 'Lamp',
      description: '',
      low_stock_threshold: 10,
      stock: { 'main-store': 4 },
    });
  });

  it('rejects negative initial stock by its location', () => {
    const result = CreateProductRequestSchema.safeParse({
      name: 'Lamp',
      stock: { 'main-store': -1 },
    });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(Object.keys(fieldErrors(result.error))).toEqual(['stock.main-store']);
  });
});

describe('fieldErrors', () => {
  it('names fields that share a name with object built-ins', () => {
    const result = StockUpdateRequestSchema.safeParse({
      toString: [],
      constructor: 1,
      change: -1,
      update_type: 'sale',
    });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect({ ...fieldErrors(result.error) }).toEqual({
        toString: ['is not a known field'],
        constructor: ['is not a known field'],
      });
    }
  });
});
