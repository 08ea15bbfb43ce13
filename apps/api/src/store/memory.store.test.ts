import { describe, expect, it } from 'vitest';
import { stockAt } from '@stockwire/domain/fixtures';
import type { StockChange } from './inventory.store.js';
import { MemoryInventoryStore } from './memory.store.js';

const sale = (change: number, location = 'main-store'): StockChange => ({
  product_id: 'P1',
  location,
  change,
  update_type: 'sale',
  request_id: null,
  store: 'main-store',
  actor: 'test',
});

const onHand = async (store: MemoryInventoryStore) =>
  (await store.loadProduct('P1'))?.levels.get('main-store');

describe('MemoryInventoryStore', () => {
  it('refuses a sale larger than on hand, and leaves the row and the next change alone', async () => {
    const store = new MemoryInventoryStore([stockAt(3, 1)]);
    const answers = await store.applyChanges([sale(-5), sale(-2)]);
    expect(answers.map((a) => ('result' in a ? a.result : a))).toMatchObject([
      { ok: false, code: 'insufficient_stock', available: 3, changes: [] },
      { ok: true, available: 1, changes: [{ on_hand: 1, version: 2, change: -2 }] },
    ]);
    expect(await onHand(store)).toMatchObject({ on_hand: 1, version: 2 });
  });

  it('never creates a row by taking stock out of it', async () => {
    const store = new MemoryInventoryStore([stockAt(3, 1)]);
    const [answer] = await store.applyChanges([sale(-1, 'mall-store')]);
    expect(answer).toMatchObject({ result: { ok: false, code: 'insufficient_stock' } });
    expect((await store.loadProduct('P1'))?.levels.has('mall-store')).toBe(false);
  });

  it('answers copies, so a reader cannot change what it holds', async () => {
    const store = new MemoryInventoryStore([stockAt(3, 1)]);
    const read = await store.loadProduct('P1');
    read!.levels.get('main-store')!.on_hand = 99;
    expect(await onHand(store)).toMatchObject({ on_hand: 3 });
  });

  it('says plainly what it does not support', async () => {
    const store = new MemoryInventoryStore();
    await expect(store.listEvents()).rejects.toThrow(
      'listEvents is not supported by the in-memory store',
    );
  });
});
