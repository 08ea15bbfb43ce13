import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { StoreInstance } from '../../src/app.js';
import { eventually } from './eventually.js';
import { api } from './http.js';

/** A product id no other test uses. */
export const uniqueId = () => `T${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;

/** Creates a product through the API and waits until every given store knows it. */
export async function createProduct(
  stores: readonly Pick<StoreInstance, 'url'>[],
  stock: Record<string, number>,
): Promise<string> {
  const id = uniqueId();
  const res = await api(stores[0]!.url, 'POST', '/products', {
    product_id: id,
    name: `Test ${id}`,
    stock,
  });
  expect(res.status).toBe(201);
  for (const s of stores)
    await eventually(async () => (await api(s.url, 'GET', `/inventory/${id}`)).status === 200);
  return id;
}
