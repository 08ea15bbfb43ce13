import { expect } from 'vitest';
import type { StoreInstance } from '../../src/app.js';
import { ledger, stockRow, type LedgerRow } from './database.js';
import { api } from './http.js';
import { createProduct } from './products.js';

/**
 * Makes a product with `stock` units at main-store and sends `attempts` sales of one unit each,
 * all at once, spread over the stores in turn. Checks that exactly `stock` sales were accepted and
 * the rest refused with 409, that the stock row is empty at version `stock + 1`, and that the
 * ledger adds up to nothing.
 */
export async function sellOutAtOnce(
  stores: readonly StoreInstance[],
  { stock, attempts }: { stock: number; attempts: number },
): Promise<{ id: string; ledger: LedgerRow[] }> {
  const id = await createProduct(stores, { 'main-store': stock });
  const results = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      api(stores[i % stores.length]!.url, 'POST', `/inventory/${id}/update`, {
        warehouse: 'main-store',
        change: -1,
        update_type: 'sale',
      }),
    ),
  );
  expect(results.filter((r) => r.status === 200)).toHaveLength(stock);
  expect(results.filter((r) => r.status === 409)).toHaveLength(attempts - stock);
  expect(await stockRow(id, 'main-store')).toEqual({ on_hand: 0, reserved: 0, version: stock + 1 });
  const rows = await ledger(id);
  expect(rows.reduce((sum, r) => sum + r.change, 0)).toBe(0);
  return { id, ledger: rows };
}
