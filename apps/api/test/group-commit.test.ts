import { describe, expect, it } from 'vitest';
import { withGroupCommit } from '../src/store/batching.store.js';
import type { StockChange } from '../src/store/inventory.store.js';
import { SupabaseInventoryStore } from '../src/store/supabase.store.js';
import { cachesMatchDatabase } from './support/convergence.js';
import { ledger, stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct, uniqueId } from './support/products.js';
import { sellOutAtOnce } from './support/sell-out.js';
import { stack } from './support/stack.js';
import { useStores } from './support/stores.js';

const STORES = ['main-store', 'downtown-store', 'mall-store'];

// The same concurrency tests for both write paths: group commit (the default) and one rpc per
// request. Batches form or not depending on timing; the outcome must not.
describe.each([
  ['with group commit', 128],
  ['with one rpc per request', 0],
])('concurrent writes %s', (_mode, groupCommitMax) => {
  const stores = useStores(STORES, { database: { groupCommitMax } });

  it('never oversells when the three stores sell the same units at once', async () => {
    const { id, ledger: rows } = await sellOutAtOnce(stores(), { stock: 20, attempts: 90 });
    expect(rows.filter((r) => r.update_type === 'sale')).toHaveLength(20);
    await cachesMatchDatabase(stores(), [id]);
  });

  it('keeps stock, ledger and every cache equal under sales and restocks at all stores at once', async () => {
    const stock = { 'main-store': 15, 'downtown-store': 15, 'mall-store': 15 };
    const ids = [await createProduct(stores(), stock), await createProduct(stores(), stock)];
    const moves = Array.from({ length: 150 }, (_, i) => {
      const change = ((i * 7) % 5) - 3 || 2; // -3 … 1, with 0 turned into 2
      return {
        store: stores()[i % 3]!,
        id: ids[i % 2]!,
        warehouse: STORES[(i * 5) % 3]!,
        change,
        update_type: change < 0 ? 'sale' : 'restock',
      };
    });
    const results = await Promise.all(
      moves.map((m) =>
        api(m.store.url, 'POST', `/inventory/${m.id}/update`, {
          warehouse: m.warehouse,
          change: m.change,
          update_type: m.update_type,
        }),
      ),
    );
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    for (const id of ids) {
      for (const location of STORES) {
        const accepted = moves.filter(
          (m, i) => m.id === id && m.warehouse === location && results[i]!.status === 200,
        );
        const expected = 15 + accepted.reduce((sum, m) => sum + m.change, 0);
        const row = await stockRow(id, location);
        expect(row).toEqual({ on_hand: expected, reserved: 0, version: 1 + accepted.length });
        // The ledger explains the row: one entry per accepted change, each continuing the last.
        const entries = (await ledger(id)).filter((r) => r.location === location);
        expect(entries).toHaveLength(1 + accepted.length);
        for (let i = 1; i < entries.length; i++) {
          expect(entries[i]!.previous_quantity).toBe(entries[i - 1]!.new_quantity);
          expect(entries[i]!.version).toBe(entries[i - 1]!.version + 1);
        }
        expect(entries.at(-1)!.new_quantity).toBe(expected);
      }
      await cachesMatchDatabase(stores(), [id]);
    }
  });

  it('refuses only the changes that do not fit, never the changes beside them', async () => {
    const scarce = await createProduct(stores(), { 'main-store': 1 });
    const plenty = await createProduct(stores(), { 'main-store': 100 });
    const requests = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? api(stores()[i % 3]!.url, 'POST', `/inventory/${scarce}/update`, {
            warehouse: 'main-store',
            change: -1,
            update_type: 'sale',
          })
        : api(stores()[i % 3]!.url, 'POST', `/inventory/${plenty}/update`, {
            warehouse: 'main-store',
            change: -1,
            update_type: 'sale',
          }),
    );
    const results = await Promise.all(requests);
    const scarceResults = results.filter((_, i) => i % 2 === 0);
    const plentyResults = results.filter((_, i) => i % 2 === 1);
    expect(scarceResults.filter((r) => r.status === 200)).toHaveLength(1);
    expect(scarceResults.filter((r) => r.status === 409)).toHaveLength(19);
    expect(plentyResults.every((r) => r.status === 200)).toBe(true);
    expect(await stockRow(plenty, 'main-store')).toMatchObject({ on_hand: 80, version: 21 });
    expect(await stockRow(scarce, 'main-store')).toMatchObject({ on_hand: 0, version: 2 });
  });
});

describe('group commit against the database', () => {
  const sale = (product_id: string): StockChange => ({
    product_id,
    location: 'main-store',
    change: -1,
    update_type: 'sale',
    request_id: null,
    store: 'main-store',
    actor: 'test',
  });

  it('sends the changes that queued behind a busy call as one transaction, each caller getting its own answer', async () => {
    const store = withGroupCommit(
      new SupabaseInventoryStore(stack().supabaseUrl, stack().serviceRoleKey),
      { maxBatch: 128 },
    );
    const id = uniqueId();
    await store.createProduct({
      product: { id, name: `Test ${id}`, description: '', low_stock_threshold: 1 },
      stock: { 'main-store': 20 },
      request_id: null,
      store: 'main-store',
      actor: 'test',
    });

    const answers = await withDb(async (locker) => {
      // Hold the row, so that the first call waits in Postgres while the others queue here.
      await locker.query('begin');
      await locker.query(
        "select 1 from stock_levels where product_id = $1 and location = 'main-store' for update",
        [id],
      );
      const first = store.applyChanges([sale(id)]);
      await eventually(() =>
        withDb(async (db) => {
          const { rowCount } = await db.query(
            "select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%apply_stock_changes%'",
          );
          return (rowCount ?? 0) > 0;
        }),
      );
      const rest = Array.from({ length: 59 }, () => store.applyChanges([sale(id)]));
      await locker.query('commit');
      return Promise.all([first, ...rest]);
    });

    expect(store.groupCommits.applyChanges).toMatchObject({ calls: 2, items: 60 });
    const results = answers.map(([answer]) => {
      if (!answer || !('result' in answer)) throw new Error('no result for a sale');
      return answer.result;
    });
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(results.filter((r) => !r.ok && r.code === 'insufficient_stock')).toHaveLength(40);
    expect(await stockRow(id, 'main-store')).toEqual({ on_hand: 0, reserved: 0, version: 21 });
    // One transaction for the first sale, one for the 19 that fit of the 59 that queued.
    const sales = await withDb(async (db) => {
      const { rows } = await db.query<{ transactions: string }>(
        "select count(distinct created_at)::text as transactions from inventory_events where product_id = $1 and update_type = 'sale'",
        [id],
      );
      return Number(rows[0]!.transactions);
    });
    expect(sales).toBe(2);
  });

  it('answers every caller of a batch the database never got with database_unavailable', async () => {
    const store = withGroupCommit(
      new SupabaseInventoryStore('http://127.0.0.1:9', stack().serviceRoleKey),
      { maxBatch: 128 },
    );
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => store.applyChanges([sale('OLJCESPC7Z')])),
    );
    for (const r of results) {
      expect(r).toMatchObject({
        status: 'rejected',
        reason: { code: 'database_unavailable' },
      });
    }
  });
});
