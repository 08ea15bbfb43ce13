import { describe, expect, it } from 'vitest';
import { AlertsQuerySchema, isLowStock, stockAlertKind } from './alerts.js';
import { fieldErrors } from './requests.js';

describe('stockAlertKind', () => {
  it('raises low_stock when available stock falls below the threshold', () => {
    expect(stockAlertKind(10, 10, 9)).toBe('low_stock');
    expect(stockAlertKind(10, 30, 0)).toBe('low_stock');
  });

  it('raises back_in_stock when it recovers to the threshold or above', () => {
    expect(stockAlertKind(10, 9, 10)).toBe('back_in_stock');
    expect(stockAlertKind(10, 0, 25)).toBe('back_in_stock');
  });

  it('raises nothing while stock stays on one side of the threshold', () => {
    expect(stockAlertKind(10, 9, 3)).toBeNull();
    expect(stockAlertKind(10, 3, 9)).toBeNull();
    expect(stockAlertKind(10, 50, 10)).toBeNull();
    expect(stockAlertKind(10, 10, 50)).toBeNull();
  });

  it('never alerts with a threshold of 0', () => {
    expect(isLowStock(0, 0)).toBe(false);
    expect(stockAlertKind(0, 5, 0)).toBeNull();
  });
});

describe('AlertsQuerySchema', () => {
  it('takes a kind and pages like the ledger', () => {
    expect(AlertsQuerySchema.parse({ kind: 'low_stock', before: '40' })).toEqual({
      kind: 'low_stock',
      before: 40,
      limit: 50,
    });
  });

  it('names an unknown kind', () => {
    const result = AlertsQuerySchema.safeParse({ kind: 'urgent' });
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(fieldErrors(result.error))).toEqual(['kind']);
  });
});
