import type { ProductInventory, ProductPage } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { HealthReport } from '../src/http/health.routes.js';
import { SupabaseInventoryStore } from '../src/store/supabase.store.js';
import { bucketOf, DIGEST_BUCKETS } from '../src/sync/bucket.digest.js';
import { InventoryCache } from '../src/sync/inventory.cache.js';
import { supabaseClient, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { ensureLocations, useStores } from './support/stores.js';

// Without a direct database connection (DATABASE_URL), as a store on a Supabase project without one
// runs: nothing announces a change made outside the stores, and the digest check is what finds it.
// Each check scrubs a quarter of the buckets, so a write with the triggers off is found within four.
const stores = useStores(['main-store', 'mall-store'], {
  database: { url: undefined },
  sync: { digestIntervalMs: 300, digestScrubBuckets: DIGEST_BUCKETS / 4 },
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

/** A store's cache as `GET /inventory` shows it, every page, in a cache of the test's own. */
async function cacheOf(url: string): Promise<InventoryCache> {
  const cache = new InventoryCache();
  for (let cursor: string | null = ''; cursor !== null;) {
    const { body }: { body: ProductPage<ProductInventory> } = await api<
      ProductPage<ProductInventory>
    >(url, 'GET', `/inventory?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const view of body.products) {
      const { product_id: id, name, description, low_stock_threshold, locations } = view;
      cache.merge({
        product: { id, name, description, low_stock_threshold },
        levels: new Map(
          Object.entries(locations).map(([location, l]) => [
            location,
            {
              location,
              on_hand: l.on_hand,
              reserved: l.reserved,
              in_transit: l.in_transit,
              version: l.version,
              updated_at: 't',
            },
          ]),
        ),
      });
    }
    cursor = body.next_cursor;
  }
  return cache;
}

/** Writes a stock row with every trigger off, as a restore or replication would: no digest kept. */
const writeWithTriggersOff = (id: string, location: string, onHand: number) =>
  withDb(async (db) => {
    await db.query('begin');
    await db.query('set local session_replication_role = replica');
    await db.query('update stock_levels set on_hand = $3 where product_id = $1 and location = $2', [
      id,
      location,
      onHand,
    ]);
    await db.query('commit');
  });

describe('anti-entropy', () => {
  it("computes the same bucket digests from a store's cache as the database keeps and its tables say", async () => {
    const { supabaseUrl, serviceRoleKey } = stack();
    await ensureLocations(['a-store_2']);
    const res = await api<ProductInventory>(stores()[0].url, 'POST', '/products', {
      name: 'Café ☕ "tab\there"',
      description: 'two\nlines',
      low_stock_threshold: 0,
      stock: { 'main-store': 3, 'a-store_2': 0 },
    });
    expect(res.status).toBe(201);
    const id = res.body.product_id;
    const sale = await api(stores()[1].url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'main-store',
      change: -1,
      update_type: 'sale',
    });
    expect(sale.status).toBe(200);
    const database = new SupabaseInventoryStore(supabaseUrl, serviceRoleKey);
    const bucket = bucketOf(id);
    const mine = async () => (await cacheOf(stores()[1].url)).bucketDigests(new Set([bucket]));
    await eventually(async () => {
      const kept = (await database.bucketDigests()).digests.get(bucket);
      return JSON.stringify((await mine()).get(bucket)) === JSON.stringify(kept);
    });
    const kept = await database.bucketDigests();
    const scrub = await database.scrubBuckets([bucket]);
    expect(kept.buckets).toBe(DIGEST_BUCKETS);
    expect(scrub.reset).toEqual([]);
    expect(scrub.digests.get(bucket)).toEqual((await mine()).get(bucket));
    expect(kept.digests.get(bucket)).toEqual(scrub.digests.get(bucket));
    expect((await database.loadBuckets([bucket])).map((p) => p.product.id)).toContain(id);
    // Every bucket the store's cache has agrees with the database's kept digest.
    const all = (await cacheOf(stores()[0].url)).bucketDigests();
    expect(
      [...all.keys()].filter(
        (b) => JSON.stringify(all.get(b)) !== JSON.stringify(kept.digests.get(b)),
      ),
    ).toEqual([]);
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

  it('finds a write made with the triggers off, which kept no digest, by the scrub', async () => {
    const id = await createProduct(stores(), { 'main-store': 10 });
    const resetsBefore = await scrubResets();
    await writeWithTriggersOff(id, 'main-store', 7);
    for (const store of stores()) {
      await eventually(async () => {
        const { body } = await api<ProductInventory>(store.url, 'GET', `/inventory/${id}`);
        return body.warehouses['main-store'] === 7;
      }, 15_000);
    }
    expect(await scrubResets()).toBeGreaterThan(resetsBefore);
    // Nothing else moved: the product's version is the one its creation gave it.
    const { body } = await api<ProductInventory>(stores()[0].url, 'GET', `/inventory/${id}`);
    expect(body.locations['main-store']).toMatchObject({ on_hand: 7, reserved: 0, version: 1 });
  });

  it('keeps the digests from the anon key, which must learn nothing of the stock', async () => {
    const anon = supabaseClient(stack().anonKey);
    for (const [fn, args] of [
      ['inventory_bucket_digests', {}],
      ['inventory_digest_scrub', { buckets: [0] }],
      ['inventory_bucket_members', { buckets: [0] }],
      ['inventory_digest', {}],
    ] as const) {
      const { data, error } = await anon.rpc(fn, args);
      expect(data).toBeNull();
      expect(error?.code).toBe('42501');
    }
  });
});

/** Kept digests the stores' scrubs found wrong and set right, summed over the stores. */
async function scrubResets(): Promise<number> {
  let sum = 0;
  for (const store of stores()) {
    sum += (await api<HealthReport>(store.url, 'GET', '/health')).body.digest.scrub_resets;
  }
  return sum;
}
