import type { ProductInventory, ProductPage } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { api } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const main = () => stores()[0];

type InventoryPage = ProductPage<ProductInventory>;
type ErrorBody = { error: { code: string; fields: Record<string, string[]> } };

const inventory = (query: string) => api<InventoryPage>(main().url, 'GET', `/inventory${query}`);

describe('GET /inventory and GET /products in pages', () => {
  it('answers every product with the total when asked for no page', async () => {
    const { status, body } = await inventory('');
    expect(status).toBe(200);
    expect(body.total).toBe(body.products.length);
    expect(body.total).toBeGreaterThanOrEqual(9);
    expect(body.next_cursor).toBeNull();
    const ids = body.products.map((p) => p.product_id);
    expect(ids).toEqual([...ids].sort());
  });

  it('walks every product exactly once, page by page, while stock changes under it', async () => {
    const busy = await createProduct(stores(), { 'main-store': 1000 });
    let selling = true;
    const sales = (async () => {
      let n = 0;
      while (selling) {
        const res = await api(stores()[1].url, 'POST', `/inventory/${busy}/update`, {
          change: -1,
          update_type: 'sale',
          warehouse: 'main-store',
        });
        expect(res.status).toBe(200);
        n++;
      }
      return n;
    })();
    const whole = (await inventory('')).body;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await inventory(query);
      expect(status).toBe(200);
      expect(body.total).toBe(whole.total);
      expect(body.products.length).toBeLessThanOrEqual(4);
      seen.push(...body.products.map((p) => p.product_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null);
    selling = false;
    expect(await sales).toBeGreaterThan(0);
    expect(seen).toEqual(whole.products.map((p) => p.product_id));
    expect(pages).toBe(Math.ceil(whole.total / 4));
  });

  it('narrows to a location: only products stocked there, each with that location alone', async () => {
    const here = await createProduct(stores(), { 'mall-store': 5, 'main-store': 2 });
    const elsewhere = await createProduct(stores(), { 'main-store': 3 });
    const { body } = await inventory('?location=mall-store');
    const ids = body.products.map((p) => p.product_id);
    expect(ids).toContain(here);
    expect(ids).not.toContain(elsewhere);
    expect(body.total).toBe(body.products.length);
    for (const product of body.products)
      expect(Object.keys(product.warehouses)).toEqual(['mall-store']);
    expect(body.products.find((p) => p.product_id === here)).toMatchObject({
      total_stock: 5,
      warehouses: { 'mall-store': 5 },
    });
  });

  it('picks products by id, in id order, leaving out ids it does not hold', async () => {
    const a = await createProduct(stores(), { 'main-store': 1 });
    const b = await createProduct(stores(), { 'main-store': 1 });
    const { body } = await inventory(`?product_id=${b},NOSUCHPRODUCT,${a}`);
    expect(body.products.map((p) => p.product_id)).toEqual([a, b].sort());
    expect(body).toMatchObject({ total: 2, next_cursor: null });
    const catalogue = await api<ProductPage<{ product_id: string; name: string }>>(
      main().url,
      'GET',
      `/products?product_id=${a}`,
    );
    expect(catalogue.body).toEqual({
      products: [{ product_id: a, name: `Test ${a}`, description: '', low_stock_threshold: 10 }],
      total: 1,
      next_cursor: null,
    });
  });

  it('pages the catalogue the same way', async () => {
    const all = await api<ProductPage<{ product_id: string }>>(main().url, 'GET', '/products');
    const first = await api<ProductPage<{ product_id: string }>>(
      main().url,
      'GET',
      '/products?limit=2',
    );
    expect(first.body.products).toEqual(all.body.products.slice(0, 2));
    expect(first.body.next_cursor).toBe(all.body.products[1]!.product_id);
    const second = await api<ProductPage<{ product_id: string }>>(
      main().url,
      'GET',
      `/products?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.products).toEqual(all.body.products.slice(2, 4));
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=1001', 'limit'],
    ['?limit=ten', 'limit'],
    ['?cursor=not%20an%20id', 'cursor'],
    ['?product_id=OK1,bad%20id', 'product_id'],
    ['?location=', 'location'],
    ['?limit=1&limit=2', 'limit'],
    ['?page=2', 'page'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    for (const path of ['/inventory', '/products']) {
      const res = await api<ErrorBody>(main().url, 'GET', `${path}${query}`);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(Object.keys(res.body.error.fields), path).toContain(field);
    }
  });
});
