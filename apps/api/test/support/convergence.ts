import { waitForConvergence } from '@stockwire/fault-drill';
import type { StoreInstance } from '../../src/app.js';
import { stack } from './stack.js';

/**
 * Waits until every store's cache serves the given products exactly as the database holds them
 * (every location, quantity, hold and version, and the catalogue fields), compared by
 * `@stockwire/fault-drill` with a direct SQL read; fails the test with the differences after
 * `timeoutMs`.
 */
export async function cachesMatchDatabase(
  stores: readonly StoreInstance[],
  products: readonly string[],
  timeoutMs = 5000,
): Promise<void> {
  const caches = stores.map((s) => ({ url: s.url, name: s.config.store.instanceId }));
  await waitForConvergence(caches, stack().databaseUrl, { products, timeoutMs });
}
