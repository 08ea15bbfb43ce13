import type { StockChangedMessage, StockLevel } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { InventoryCache } from './inventory.cache.js';

const level = (location: string, on_hand: number, version: number): StockLevel => ({
  location,
  on_hand,
  reserved: 0,
  version,
  updated_at: '2026-11-23T12:00:00.000Z',
});

const product = { id: 'P1', name: 'Mug', description: '', low_stock_threshold: 5 };

function cacheWithMug(): InventoryCache {
  const cache = new InventoryCache();
  cache.merge({ product, levels: new Map([['main-store', level('main-store', 10, 1)]]) });
  return cache;
}

const sale = (version: number, on_hand: number): StockChangedMessage => ({
  type: 'stock_changed',
  product_id: 'P1',
  location: 'main-store',
  on_hand,
  reserved: 0,
  version,
  change: -1,
  reserved_change: 0,
  update_type: 'sale',
  event_id: version,
  request_id: null,
  order_id: null,
  reservation_id: null,
  updated_at: '2026-11-23T12:01:00.000Z',
  store: 'main-store',
  instance_id: 'main-store-1',
  timestamp: '2026-11-23T12:01:00.000Z',
});

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
    cache.apply(sale(2, 9));
    const second = cache.encoded('P1')!;
    expect(second).not.toBe(first);
    expect(JSON.parse(second.toString())).toMatchObject({ total_stock: 9, version: 2 });
  });

  it('keeps the bytes through a merge that changes nothing, and renews them after one that does', () => {
    const cache = cacheWithMug();
    const first = cache.encoded('P1');
    cache.merge({ product, levels: new Map([['main-store', level('main-store', 10, 1)]]) });
    expect(cache.encoded('P1')).toBe(first);
    cache.merge({ product, levels: new Map([['mall-store', level('mall-store', 4, 1)]]) });
    expect(JSON.parse(cache.encoded('P1')!.toString())).toMatchObject({ total_stock: 14 });
    cache.merge({ product: { ...product, name: 'Big mug' }, levels: new Map() });
    expect(JSON.parse(cache.encoded('P1')!.toString())).toMatchObject({ name: 'Big mug' });
  });
});
