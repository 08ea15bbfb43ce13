import { z } from 'zod';
import { commaListParam } from './history.js';
import { LocationSchema, ProductIdSchema, type Location, type ProductId } from './ids.js';

/** The most (product, location) pairs one live client may watch when it names both. */
export const FEED_PAIRS_MAX = 1000;

/**
 * What a live client watches, named at connect (Socket.IO `query`, `/ws?…`): some locations, some
 * products, or both (those products at those locations). Neither: everything, as earlier clients
 * expect.
 */
export const FeedFilterSchema = z
  .object({
    locations: commaListParam(LocationSchema, FEED_PAIRS_MAX).optional(),
    products: commaListParam(ProductIdSchema, FEED_PAIRS_MAX).optional(),
  })
  .refine((f) => (f.locations?.length ?? 1) * (f.products?.length ?? 1) <= FEED_PAIRS_MAX, {
    message: `at most ${FEED_PAIRS_MAX} product and location pairs`,
    path: ['products'],
  });
export type FeedFilter = z.output<typeof FeedFilterSchema>;

/** The room of the live clients that watch everything. */
export const FEED_ALL = 'feed:all';
const atLocation = (l: Location) => `feed:l:${l}`;
const ofProduct = (p: ProductId) => `feed:p:${p}`;
const pair = (p: ProductId, l: Location) => `feed:pl:${p}@${l}`;

/** The rooms a client with `filter` joins: one kind of room each, so no change reaches it twice. */
export function feedRooms({ locations, products }: FeedFilter): string[] {
  if (locations && products) return products.flatMap((p) => locations.map((l) => pair(p, l)));
  if (locations) return locations.map(atLocation);
  if (products) return products.map(ofProduct);
  return [FEED_ALL];
}

/** The rooms a change of `product` at `location` goes to: exactly the clients that watch it. */
export function roomsOfChange(product: ProductId, location: Location): string[] {
  return [FEED_ALL, atLocation(location), ofProduct(product), pair(product, location)];
}

/** The rooms through which a client may watch `product`, whose stock is at `locations`. */
export function roomsOfProduct(product: ProductId, locations: readonly Location[]): string[] {
  return [ofProduct(product), ...locations.flatMap((l) => [atLocation(l), pair(product, l)])];
}

/** Whether a client with `filter` watches changes of `product` at `location`. */
export function watches(
  { locations, products }: FeedFilter,
  product: ProductId,
  location: Location,
) {
  return (!locations || locations.includes(location)) && (!products || products.includes(product));
}

/** Whether a client with `filter` watches everything. */
export const watchesAll = (filter: FeedFilter) => !filter.locations && !filter.products;

/** The `event_id` a client resumes after: a whole number, given as one or as a query string. */
export const ResumeSinceSchema = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number: the last event_id seen')
    .transform(Number),
]);
