import { pollConvergence, rowsLeft, type ConvergenceOptions } from '@stockwire/fault-drill';
import { BENCH_PREFIX, type BenchContext } from './context.js';

/** Compares the bench products in every store's cache with the database, polling. */
export async function benchConvergence(
  { stores, db }: BenchContext,
  options: Omit<ConvergenceOptions, 'products'>,
) {
  const { convergedMs, left } = await pollConvergence(stores, db, {
    ...options,
    products: (id) => id.startsWith(BENCH_PREFIX),
  });
  return { converged: convergedMs !== null, staleRows: rowsLeft(left) };
}

/**
 * Caches must agree with the database once writes stop: pub/sub is at-most-once, and versions
 * repair what it lost. Returns the stock rows that still differ, over all stores.
 */
export async function caches(ctx: BenchContext) {
  const { staleRows } = await benchConvergence(ctx, { timeoutMs: 5000, intervalMs: 50 });
  return {
    staleRows,
    figures: [],
    checks: { 'cached rows differing from the database': staleRows },
  };
}
