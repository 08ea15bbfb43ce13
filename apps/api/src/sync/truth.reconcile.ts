import type { ProductId, ProductInventory, ProductStock } from '@stockwire/domain';
import type { InventoryCache } from './inventory.cache.js';
import { digestLine } from './inventory.digest.js';

/** A cached product as one line of text, to tell whether it moved during a database read. */
export const lineOf = (view: ProductInventory | undefined): string | null =>
  view ? digestLine(view) : null;

/** The line of every cached product, taken as a database read begins. */
export const linesOf = (views: readonly ProductInventory[]): Map<ProductId, string> =>
  new Map(views.map((v) => [v.product_id, digestLine(v)]));

/**
 * How a cached product stands against the database's: equal; only behind (versions the cache has
 * not seen yet, which may still be on their way); or wrong (ahead of the database, a different
 * row at the same version, or a product the database does not have), which no message can fix.
 */
export function compareWithTruth(
  cached: ProductInventory | undefined,
  truth: ProductStock | undefined,
): 'same' | 'behind' | 'wrong' {
  if (!truth) return cached ? 'wrong' : 'same';
  if (!cached) return 'behind';
  const { product } = truth;
  if (
    cached.name !== product.name ||
    cached.description !== product.description ||
    cached.low_stock_threshold !== product.low_stock_threshold
  ) {
    return 'wrong';
  }
  let behind = false;
  for (const level of truth.levels.values()) {
    const row = cached.locations[level.location];
    if (!row || row.version < level.version) behind = true;
    else if (row.version > level.version) return 'wrong';
    else if (row.on_hand !== level.on_hand || row.reserved !== level.reserved) return 'wrong';
  }
  for (const location of Object.keys(cached.locations)) {
    if (!truth.levels.has(location)) return 'wrong';
  }
  return behind ? 'behind' : 'same';
}

/**
 * What taking in a database read did to a cached product: nothing, brought it forward, or set
 * right what was wrong in it.
 */
export type Adoption = 'unchanged' | 'updated' | 'repaired';

/**
 * Brings one cached product in line with a database read that began when the product's line was
 * `before`. Unchanged during the read, the read is the truth, even where the cache is ahead; moved
 * during it, the read is merged row by row, newer versions winning, so nothing is rolled back.
 */
export function adoptRead(
  cache: InventoryCache,
  id: ProductId,
  truth: ProductStock | undefined,
  before: string | null,
): Adoption {
  const current = cache.view(id);
  if (lineOf(current) !== before) return truth && cache.merge(truth) ? 'updated' : 'unchanged';
  const verdict = compareWithTruth(current, truth);
  if (verdict === 'same') return 'unchanged';
  if (truth) cache.replace(truth);
  else cache.remove(id);
  return verdict === 'wrong' ? 'repaired' : 'updated';
}
