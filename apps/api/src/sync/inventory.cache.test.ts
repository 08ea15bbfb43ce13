import { describe, expect, it, vi } from 'vitest';
import { InventoryCache } from './inventory.cache.js';
import { change, levelAt, product, stockAt } from '@stockwire/domain/fixtures';

function cacheWithMug(): InventoryCache {
  const cache = new InventoryCache();
  cache.merge(stockAt(10, 1));
  return cache;
}

describe('InventoryCache.encoded', () => {
  it('is the view as res.json would send it', () => {
    const cache = cacheWithMug();
    expect(cache.encoded('P1')!.toString()).toBe(JSON.stringify(cache.view('P1')));
    expect(cache.encoded('NOPE')).toBeUndefined();
  });

  it('encodes once per change, not once per read', () => {
    const cache = cacheWithMug();
    const first = cache.encoded('P1');
    expect(cache.encoded('P1')).toBe(first);
    cache.apply(change(2, 9));
    const second = cache.encoded('P1')!;
    expect(second).not.toBe(first);
    expect(JSON.parse(second.toString())).toMatchObject({ total_stock: 9, version: 2 });
  });

  it('is JSON.stringify of the view for many locations, a name with quotes and digit-only locations', () => {
    const cache = new InventoryCache();
    const names = ['zeta', 'a-1', 'B_2', 'mall-store', 'q'];
    const levels = new Map(names.map((l, i) => [l, { ...levelAt(l, i * 3, i + 1), reserved: i }]));
    cache.merge({ product: { ...product, name: 'Say "mug"\n' }, levels });
    expect(cache.encoded('P1')!.toString()).toBe(JSON.stringify(cache.view('P1')));
    // Digit-only names are ordered first by JavaScript itself; the bytes still match.
    cache.merge({
      product,
      levels: new Map([
        ['42', levelAt('42', 1, 1)],
        ['7', levelAt('7', 2, 1)],
      ]),
    });
    expect(cache.encoded('P1')!.toString()).toBe(JSON.stringify(cache.view('P1')));
    cache.apply({ ...change(2, 8), location: 'zeta' });
    expect(cache.encoded('P1')!.toString()).toBe(JSON.stringify(cache.view('P1')));
    expect(cache.view('P1')!.locations.zeta!.on_hand).toBe(8);
  });

  it("puts a live client's snapshot together as the JSON of its views, whatever it watches", () => {
    const cache = new InventoryCache();
    const levels = (n: number) =>
      new Map(['mall-store', 'main-store', 'depot'].map((l, i) => [l, levelAt(l, n + i, 1)]));
    cache.merge({ product, levels: levels(3) });
    cache.merge({ product: { ...product, id: 'P0', name: 'Cup' }, levels: levels(7) });
    cache.merge({
      product: { ...product, id: 'P2' },
      levels: new Map([['depot', levelAt('depot', 1, 1)]]),
    });
    for (const filter of [
      {},
      { locations: ['main-store'] },
      { locations: ['mall-store', 'depot', 'mall-store'] },
      { products: ['P2', 'P1', 'NOPE'] },
      { locations: ['main-store'], products: ['P2', 'P1'] },
    ]) {
      expect(cache.encodedViewsFor(filter)).toBe(JSON.stringify(cache.viewsFor(filter)));
    }
  });

  it('keeps a snapshot for the clients watching the same thing until something they see changes', () => {
    const cache = new InventoryCache();
    cache.merge({
      product,
      levels: new Map(['main-store', 'mall-store'].map((l) => [l, levelAt(l, 5, 1)])),
    });
    const made = vi.spyOn(cache as unknown as { encodeViewsFor: () => string }, 'encodeViewsFor');
    const watching = { locations: ['main-store'] };
    const snapshot = () => {
      const json = cache.encodedViewsFor(watching);
      expect(json).toBe(JSON.stringify(cache.viewsFor(watching)));
      return json;
    };
    snapshot();
    expect(cache.encodedViewsFor({ locations: ['main-store', 'main-store'] })).toBe(snapshot());
    expect(made).toHaveBeenCalledTimes(1);
    // A change elsewhere leaves it be; one at main-store, or to the product, renews it.
    cache.apply({ ...change(2, 4), location: 'mall-store' });
    snapshot();
    expect(made).toHaveBeenCalledTimes(1);
    cache.apply(change(2, 3));
    expect(snapshot()).toContain('"on_hand":3');
    cache.merge({ product: { ...product, name: 'Big mug' }, levels: new Map() });
    expect(snapshot()).toContain('Big mug');
    expect(made).toHaveBeenCalledTimes(3);
    // Unnarrowed, any change renews it.
    cache.encodedViewsFor({});
    cache.apply({ ...change(3, 2), location: 'mall-store' });
    expect(cache.encodedViewsFor({})).toBe(JSON.stringify(cache.viewsFor({})));
    expect(made).toHaveBeenCalledTimes(5);
  });

  it('keeps the bytes through a merge that changes nothing, and renews them after one that does', () => {
    const cache = cacheWithMug();
    const first = cache.encoded('P1');
    cache.merge(stockAt(10, 1));
    expect(cache.encoded('P1')).toBe(first);
    cache.merge({ product, levels: new Map([['mall-store', levelAt('mall-store', 4, 1)]]) });
    expect(JSON.parse(cache.encoded('P1')!.toString())).toMatchObject({ total_stock: 14 });
    cache.merge({ product: { ...product, name: 'Big mug' }, levels: new Map() });
    expect(JSON.parse(cache.encoded('P1')!.toString())).toMatchObject({ name: 'Big mug' });
  });
});
