import { z } from 'zod';
import { commaListParam, pageLimitParam } from './history.js';
import { LocationSchema, ProductIdSchema, type ProductId } from './ids.js';

/** The largest page of `GET /inventory` or `GET /products` a client may ask for. */
export const CATALOGUE_PAGE_MAX = 1000;

/** Product ids, comma-separated: `OLJCESPC7Z` or `OLJCESPC7Z,85VCUQ3GT8`; each one once. */
const ProductIdsParamSchema = commaListParam(ProductIdSchema, CATALOGUE_PAGE_MAX, {
  invalid: 'not a product id',
  many: `at most ${CATALOGUE_PAGE_MAX} ids`,
});

/**
 * Query of `GET /inventory` and `GET /products`: products in id order, every filter optional.
 * Without `limit`, every product that matches; with it, pages, each continuing after the
 * `next_cursor` of the one before.
 */
export const CatalogueQuerySchema = z.strictObject({
  limit: pageLimitParam(CATALOGUE_PAGE_MAX).optional(),
  cursor: ProductIdSchema.optional(),
  /** Only products stocked at this location, each shown with that location alone. */
  location: LocationSchema.optional(),
  product_id: ProductIdsParamSchema.optional(),
});
export type CatalogueQuery = z.output<typeof CatalogueQuerySchema>;

/** A page of products: `GET /inventory` (with stock) or `GET /products` (without). */
export interface ProductPage<T> {
  products: T[];
  /** How many products match the filters, on every page. */
  total: number;
  /** Pass as `cursor` (with the same filters) for the next page; null on the last one. */
  next_cursor: ProductId | null;
}
