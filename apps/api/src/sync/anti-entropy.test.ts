import type { ProductId, ProductStock } from '@stockwire/domain';
import { levelAt } from '@stockwire/domain/fixtures';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InventoryDigests } from '../store/inventory.digests.js';
import { AntiEntropy } from './anti-entropy.js';
import { bucketOf, DIGEST_BUCKETS, type Bucket } from './bucket.digest.js';
import { InventoryCache } from './inventory.cache.js';
import type { AuditScope } from './inventory.sync.js';

const stock = (id: ProductId, onHand: number, version: number): ProductStock => ({
  product: { id, name: `Product ${id}`, description: '', low_stock_threshold: 5 },
  levels: new Map([['main-store', levelAt('main-store', onHand, version)]]),
});

/** Two product ids in different buckets. */
const A = 'P1';
const B = ['P2', 'P3', 'P4', 'P5'].find((id) => bucketOf(id) !== bucketOf(A))!;

const cacheOf = (...products: ProductStock[]) => {
  const cache = new InventoryCache();
  for (const p of products) cache.merge(p);
  return cache;
};

/**
 * A database in memory: `tables` is what it holds, `kept` the digests its triggers kept, which a
 * write made with the triggers off leaves behind until a scrub sets them from the tables.
 */
function harness(cache: InventoryCache, tables: InventoryCache, scrubBuckets = 8) {
  const state = { kept: tables, tables, down: false, buckets: DIGEST_BUCKETS };
  const scrubbed: Bucket[][] = [];
  const database: InventoryDigests = {
    bucketDigests: () =>
      state.down
        ? Promise.reject(new Error('down'))
        : Promise.resolve({ buckets: state.buckets, digests: state.kept.bucketDigests() }),
    scrubBuckets: (buckets) => {
      scrubbed.push([...buckets]);
      const among = new Set(buckets);
      const truth = state.tables.bucketDigests(among);
      const reset = state.kept === state.tables ? [] : [...among].filter((b) => truth.has(b));
      if (reset.length > 0) state.kept = state.tables;
      return Promise.resolve({ buckets: state.buckets, reset, digests: truth });
    },
    loadBuckets: (buckets) =>
      Promise.resolve(
        state.tables
          .sortedIds()
          .filter((id) => buckets.includes(bucketOf(id)))
          .map((id) => {
            const view = state.tables.view(id)!;
            const { product_id, name, description, low_stock_threshold } = view;
            return {
              product: { id: product_id, name, description, low_stock_threshold },
              levels: new Map(
                Object.entries(view.locations).map(([location, l]) => [
                  location,
                  { location, ...l, updated_at: 't' },
                ]),
              ),
            };
          }),
      ),
  };
  const scopes: AuditScope[] = [];
  // Repairs as the sync would: the products of the scope, as the database has them.
  const audit = vi.fn(async (scope?: AuditScope) => {
    if (scope) scopes.push(scope);
    const read = scope ? await scope.load() : [];
    for (const p of read) cache.replace(p);
    return { wrong: read.length, behind: 0 };
  });
  const check = new AntiEntropy(cache, { audit }, database, {
    intervalMs: 1000,
    settleMs: 200,
    scrubBuckets,
    log: () => {},
  });
  return { state, audit, scopes, scrubbed, check };
}

describe('AntiEntropy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('finds nothing to do while the cache matches the database', async () => {
    const h = harness(
      cacheOf(stock(A, 5, 2), stock(B, 1, 1)),
      cacheOf(stock(A, 5, 2), stock(B, 1, 1)),
    );
    h.check.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(h.audit).not.toHaveBeenCalled();
    expect(h.check.health()).toMatchObject({
      checks: 3,
      audits: 0,
      last_result: 'match',
      last_differing_buckets: 0,
      scrubbed_buckets: 24,
    });
    h.check.stop();
  });

  it('scrubs the buckets in turn, a few each check, round and round', async () => {
    const h = harness(cacheOf(), cacheOf(), 400);
    for (let i = 0; i < 3; i++) await h.check.check();
    expect(h.scrubbed.map((round) => [round[0], round.length])).toEqual([
      [0, 400],
      [400, 400],
      [800, 400],
    ]);
    expect(h.scrubbed[2]).toContain(0);
    expect(h.scrubbed[2]).not.toContain(176);
  });

  it('lets a difference that settles by itself (a change on its way) pass without an audit', async () => {
    const cache = cacheOf(stock(A, 5, 2));
    const h = harness(cache, cacheOf(stock(A, 4, 3)));
    const result = h.check.check();
    await vi.advanceTimersByTimeAsync(100);
    cache.merge(stock(A, 4, 3));
    await vi.advanceTimersByTimeAsync(200);
    expect(await result).toBe('match');
    expect(h.audit).not.toHaveBeenCalled();
    expect(h.check.health().last_differing_buckets).toBe(1);
  });

  it('audits only the products of the bucket that differs, read from the database', async () => {
    const h = harness(
      cacheOf(stock(A, 999, 3), stock(B, 1, 1)),
      cacheOf(stock(A, 4, 3), stock(B, 1, 1)),
    );
    const result = h.check.check();
    await vi.advanceTimersByTimeAsync(300);
    expect(await result).toBe('repaired');
    expect(h.audit).toHaveBeenCalledTimes(1);
    const scope = h.scopes[0]!;
    expect(scope.includes(A)).toBe(true);
    expect(scope.includes(B)).toBe(false);
    expect(
      (await scope.load()).map((p) => [p.product.id, p.levels.get('main-store')?.on_hand]),
    ).toEqual([[A, 4]]);
    expect(h.check.health()).toMatchObject({ audits: 1, last_result: 'repaired' });
  });

  it('finds a write the database kept no digest of (triggers off) when the scrub reaches its bucket', async () => {
    const cache = cacheOf(stock(A, 5, 2));
    const h = harness(cache, cacheOf(stock(A, 5, 2)), 256);
    // The tables change; the kept digests still say what the cache says.
    h.state.kept = cacheOf(stock(A, 5, 2));
    h.state.tables = cacheOf(stock(A, 0, 2));
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = h.check.check();
      await vi.advanceTimersByTimeAsync(300);
      results.push(await result);
    }
    // The bucket of A is scrubbed in exactly one of the four rounds of 256.
    expect(results.filter((r) => r === 'repaired')).toHaveLength(1);
    expect(h.scopes[0]!.includes(A)).toBe(true);
    expect(h.check.health()).toMatchObject({ scrub_resets: 1, scrubbed_buckets: 1024 });
  });

  it('refuses a database that splits the digest into other buckets', async () => {
    const h = harness(cacheOf(stock(A, 5, 2)), cacheOf(stock(A, 5, 2)));
    h.state.buckets = 512;
    expect(await h.check.check()).toBe('failed');
    expect(h.audit).not.toHaveBeenCalled();
  });

  it('reports a check the database could not answer, and keeps checking', async () => {
    const h = harness(cacheOf(stock(A, 5, 2)), cacheOf(stock(A, 5, 2)));
    h.state.down = true;
    h.check.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.check.health()).toMatchObject({ failures: 1, last_result: 'failed' });
    h.state.down = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.check.health()).toMatchObject({ checks: 2, last_result: 'match' });
    h.check.stop();
  });

  it('is off when the interval is 0', async () => {
    const h = harness(cacheOf(), cacheOf());
    const off = new AntiEntropy(
      cacheOf(),
      { audit: h.audit },
      { bucketDigests: vi.fn(), scrubBuckets: vi.fn(), loadBuckets: vi.fn() },
      { intervalMs: 0, settleMs: 0, log: () => {} },
    );
    off.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(off.health().checks).toBe(0);
  });
});
