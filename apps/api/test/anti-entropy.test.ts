import type { ProductInventory, ProductPage } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { HealthReport } from '../src/http/health.routes.js';
import { SupabaseInventoryStore } from '../src/store/supabase.store.js';
import { digestOf } from '../src/sync/inventory.digest.js';
import { supabaseClient, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { ensureLocations, useStores } from './support/stores.js';

// Without a direct database connection (DATABASE_URL), as a store on a Supabase project without one
// runs: nothing announces a change made outside the stores, and the digest check is what finds it.
const stores = useStores(['main-store', 'mall-store'], {
  database: { url: undefined },
  sync: { digestIntervalMs: 300 },
});

/** Changes stock in the database the way a store would, but tells no one listening. */
async function changeSilently(productId: string, location: string, change: number) {
  await withDb((db) =>
    db.query('select public.apply_stock_changes($1::jsonb)', [
      JSON.stringify([
        { product_id: productId, location, change, update_type: 'adjustment', store: 'elsewhere' },
      ]),
    ]),
  );
}

describe('anti-entropy', () => {
  it("computes the same digest from a store's cache as the database does from its tables", async () => {
    const { supabaseUrl, serviceRoleKey } = stack();
    await ensureLocations(['a-store_2']);
    const res = await api(stores()[0].url, 'POST', '/products', {
      name: 'Café ☕ "tab\there"',
      description: 'two\nlines',
      low_stock_threshold: 0,
      stock: { 'main-store': 3, 'a-store_2': 0 },
    });
    expect(res.status).toBe(201);
    const database = new SupabaseInventoryStore(supabaseUrl, serviceRoleKey);
    await eventually(async () => {
      const views = (await api<ProductPage<ProductInventory>>(stores()[1].url, 'GET', '/inventory'))
        .body.products;
      return digestOf(views).digest === (await database.digest()).digest;
    });
    const truth = await database.digest();
    const views = (await api<ProductPage<ProductInventory>>(stores()[0].url, 'GET', '/inventory'))
      .body.products;
    expect(digestOf(views)).toEqual(truth);
    expect(truth.products).toBe(views.length);
  });

  it('repairs a change no message announced, at every store, by the periodic check', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    await changeSilently(id, 'main-store', -4);
    for (const store of stores()) {
      await eventually(async () => {
        const { body } = await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`);
        return body.warehouses['main-store'] === 6;
      }, 15_000);
    }
    const health = (await api<HealthReport>(stores()[1].url, 'GET', '/health')).body;
    expect(health.digest.audits).toBeGreaterThan(0);
    expect(health.sync.refetches).toBeGreaterThan(0);
    expect(health.digest.last_check_at).not.toBeNull();
  });

  it('keeps the digest from the anon key, which must learn nothing of the stock', async () => {
    const anon = supabaseClient(stack().anonKey);
    const { data, error } = await anon.rpc('inventory_digest');
    expect(data).toBeNull();
    expect(error?.code).toBe('42501');
  });
});
