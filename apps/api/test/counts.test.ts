import { randomUUID } from 'node:crypto';
import type { CountResponse, ProductInventory } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { stockRow, withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store', 'mall-store']);
const main = () => stores()[0];

const count = (
  body: unknown,
  headers: Record<string, string> = bearer(KEYS.staff),
  store = main(),
) =>
  api<CountResponse & { error?: { code: string; message: string; line?: unknown } }>(
    store.url,
    'POST',
    '/counts',
    body,
    headers,
  );

/** A product's ledger rows with their count ids, oldest first. */
async function countLedger(product: string) {
  return withDb(async (db) => {
    const { rows } = await db.query<{
      id: string;
      location: string;
      update_type: string;
      change: number;
      new_quantity: number;
      count_id: string | null;
    }>(
      `select id, location, update_type, change, new_quantity, count_id
         from inventory_events where product_id = $1 order by id`,
      [product],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  });
}

const onHand = async (store: StoreInstance, product: string, location = 'main-store') =>
  (await api<ProductInventory>(store.url, 'GET', `/inventory/${product}`)).body.locations[location]
    ?.on_hand;

const hold = (product: string, quantity: number) =>
  api(main().url, 'POST', `/inventory/${product}/reserve`, { quantity, warehouse: 'main-store' });

describe('counts', () => {
  it('sets on hand to what was counted, each variance an adjustment carrying the count id, everywhere', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const b = await createProduct(stores(), { 'main-store': 5 });
    const c = await createProduct(stores(), { 'main-store': 7 });
    const count_id = `count-${randomUUID()}`;
    const res = await count({
      count_id,
      location: 'main-store',
      lines: [
        { product_id: a, counted: 8 },
        { product_id: b, counted: 9 },
        { product_id: c, counted: 7 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      count_id,
      location: 'main-store',
      all_or_nothing: true,
      duplicate: false,
    });
    expect(res.body.lines).toEqual([
      {
        index: 0,
        product_id: a,
        counted: 8,
        previous_on_hand: 10,
        variance: -2,
        event_id: expect.any(Number),
      },
      {
        index: 1,
        product_id: b,
        counted: 9,
        previous_on_hand: 5,
        variance: 4,
        event_id: expect.any(Number),
      },
      { index: 2, product_id: c, counted: 7, previous_on_hand: 7, variance: 0, event_id: null },
    ]);
    expect((await countLedger(a)).at(-1)).toMatchObject({
      update_type: 'adjustment',
      change: -2,
      new_quantity: 8,
      count_id,
    });
    expect((await countLedger(b)).at(-1)).toMatchObject({ change: 4, new_quantity: 9, count_id });
    // No variance, no ledger row: only the product's initial restock.
    expect((await countLedger(c)).map((r) => r.update_type)).toEqual(['restock']);
    for (const store of stores()) {
      await eventually(
        async () => (await onHand(store, a)) === 8 && (await onHand(store, b)) === 9,
      );
    }
  });

  it('refuses a whole count by default when a line is below what is reserved, writing nothing', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const b = await createProduct(stores(), { 'main-store': 10 });
    expect((await hold(b, 4)).status).toBe(201);
    const before = [await stockRow(a, 'main-store'), await stockRow(b, 'main-store')];
    const res = await count({
      location: 'main-store',
      lines: [
        { product_id: a, counted: 3 },
        { product_id: b, counted: 3 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'count_below_reserved',
      line: { index: 1, product_id: b, counted: 3, code: 'count_below_reserved', reserved: 4 },
    });
    expect(res.body.error?.message).toContain('line 1');
    expect([await stockRow(a, 'main-store'), await stockRow(b, 'main-store')]).toEqual(before);
    expect((await countLedger(a)).map((r) => r.update_type)).toEqual(['restock']);
  });

  it('applies the other lines with all_or_nothing false, and reports the refused one', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const b = await createProduct(stores(), { 'main-store': 10 });
    expect((await hold(b, 4)).status).toBe(201);
    const res = await count({
      location: 'main-store',
      all_or_nothing: false,
      lines: [
        { product_id: a, counted: 3 },
        { product_id: b, counted: 3 },
        { product_id: 'NOSUCHPRODUCT9', counted: 1 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.lines).toEqual([
      {
        index: 0,
        product_id: a,
        counted: 3,
        previous_on_hand: 10,
        variance: -7,
        event_id: expect.any(Number),
      },
      {
        index: 1,
        product_id: b,
        counted: 3,
        code: 'count_below_reserved',
        reserved: 4,
        error: {
          code: 'count_below_reserved',
          message: expect.stringContaining('below the 4 reserved'),
        },
      },
      {
        index: 2,
        product_id: 'NOSUCHPRODUCT9',
        counted: 1,
        code: 'product_not_found',
        reserved: 0,
        error: { code: 'product_not_found', message: expect.stringContaining('does not exist') },
      },
    ]);
    expect((await stockRow(a, 'main-store'))?.on_hand).toBe(3);
    expect(await stockRow(b, 'main-store')).toMatchObject({ on_hand: 10, reserved: 4 });
  });

  it('applies a count_id once: a retry answers the first result and changes nothing', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const body = {
      count_id: `count-${randomUUID()}`,
      location: 'main-store',
      lines: [{ product_id: a, counted: 6 }],
    };
    const first = await count(body);
    expect(first.status).toBe(201);
    // Stock moves on; a retry of the same count must not set it back to 6.
    expect(
      (
        await api(main().url, 'POST', `/inventory/${a}/update`, {
          warehouse: 'main-store',
          change: -1,
          update_type: 'sale',
        })
      ).status,
    ).toBe(200);
    const again = await count(body, bearer(KEYS.staff), stores()[2]);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, lines: first.body.lines });
    expect((await stockRow(a, 'main-store'))?.on_hand).toBe(5);
    expect((await countLedger(a)).filter((r) => r.count_id === body.count_id)).toHaveLength(1);
  });

  it('makes a retry with the same Idempotency-Key safe', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const headers = { ...bearer(KEYS.staff), 'idempotency-key': `key-${randomUUID()}` };
    const body = { location: 'main-store', lines: [{ product_id: a, counted: 2 }] };
    const first = await count(body, headers);
    const again = await count(body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.count_id).toBe(first.body.count_id);
    expect((await countLedger(a)).filter((r) => r.update_type === 'adjustment')).toHaveLength(1);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const before = await stockRow(a, 'main-store');
    const cases: [unknown, string][] = [
      [{ lines: [{ product_id: a, counted: 1 }] }, 'location'],
      [{ location: 'main-store', lines: [] }, 'lines'],
      [{ location: 'main-store', lines: [{ product_id: a, counted: -1 }] }, 'counted'],
      [{ location: 'main-store', lines: [{ product_id: a, counted: 1.5 }] }, 'counted'],
      [{ location: 'main-store', lines: [{ product_id: a }] }, 'counted'],
      [{ location: 'main-store', lines: [{ product_id: 'bad id', counted: 1 }] }, 'product_id'],
      [
        {
          location: 'main-store',
          lines: [
            { product_id: a, counted: 1 },
            { product_id: a, counted: 2 },
          ],
        },
        'counted twice',
      ],
      [
        { location: 'main-store', lines: [{ product_id: a, counted: 1 }], all_or_nothing: 'yes' },
        'all_or_nothing',
      ],
      [{ location: 'main-store', lines: [{ product_id: a, counted: 1 }], colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const res = await count(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field);
    }
    const nowhere = await count({ location: 'mian-store', lines: [{ product_id: a, counted: 1 }] });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error?.code).toBe('location_not_found');
    expect(await stockRow(a, 'main-store')).toEqual(before);
    expect((await countLedger(a)).map((r) => r.update_type)).toEqual(['restock']);
  });

  it('lets staff count; without a credential it is a 401', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const body = { location: 'main-store', lines: [{ product_id: a, counted: 9 }] };
    expect((await count(body, { authorization: '' })).status).toBe(401);
    expect((await stockRow(a, 'main-store'))?.on_hand).toBe(10);
    expect((await count(body, bearer(KEYS.staff))).status).toBe(201);
    expect(
      (await count({ ...body, lines: [{ product_id: a, counted: 8 }] }, bearer(KEYS.admin))).status,
    ).toBe(201);
    expect((await stockRow(a, 'main-store'))?.on_hand).toBe(8);
  });

  it('racing with sales from three stores, leaves on hand = counted − the sales committed after it', async () => {
    const a = await createProduct(stores(), { 'main-store': 1000 });
    const sell = (store: StoreInstance) =>
      api(store.url, 'POST', `/inventory/${a}/update`, {
        warehouse: 'main-store',
        change: -1,
        update_type: 'sale',
      });
    const count_id = `count-${randomUUID()}`;
    const sales = stores().flatMap((store) => Array.from({ length: 20 }, () => sell(store)));
    const counted = count({
      count_id,
      location: 'main-store',
      lines: [{ product_id: a, counted: 5000 }],
    });
    const more = stores().flatMap((store) => Array.from({ length: 20 }, () => sell(store)));
    const answers = await Promise.all([...sales, ...more]);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const res = await counted;
    expect(res.status).toBe(201);

    const rows = await countLedger(a);
    const adjustment = rows.find((r) => r.count_id === count_id);
    expect(adjustment).toBeDefined();
    const salesAfter = rows.filter((r) => r.update_type === 'sale' && r.id > adjustment!.id).length;
    const salesBefore = rows.filter(
      (r) => r.update_type === 'sale' && r.id < adjustment!.id,
    ).length;
    expect(salesBefore + salesAfter).toBe(120);
    // The count saw on hand after exactly the sales the ledger puts before it.
    expect(res.body.lines[0]).toMatchObject({
      previous_on_hand: 1000 - salesBefore,
      counted: 5000,
    });
    expect(adjustment).toMatchObject({ change: 5000 - (1000 - salesBefore), new_quantity: 5000 });
    const row = await stockRow(a, 'main-store');
    expect(row?.on_hand).toBe(5000 - salesAfter);
    for (const store of stores())
      await eventually(async () => (await onHand(store, a)) === row?.on_hand);
  });
});

describe('counts as CSV', () => {
  const postCsv = (text: string, query: string, key = KEYS.staff) =>
    fetch(`${main().url}/counts${query}`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'text/csv' },
      body: text,
    });

  it('answers 404 location_not_found for the export of a location that does not exist', async () => {
    const res = await fetch(`${main().url}/inventory.csv?location=mian-store`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('location_not_found');
    expect(body.error.message).toContain('mian-store');
  });

  it('exports a location in the shape a count takes, and the edited export posts back as a count', async () => {
    const a = await createProduct(stores(), { 'mall-store': 12 });
    const b = await createProduct(stores(), { 'mall-store': 3 });
    const res = await fetch(`${stores()[2].url}/inventory.csv?location=mall-store`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('product_id,counted,reserved,available,name');
    expect(lines).toContain(`${a},12,0,12,Test ${a}`);
    expect(lines).toContain(`${b},3,0,3,Test ${b}`);
    // Edit the counted column of two rows and send the whole export back.
    const edited = lines
      .map((line) =>
        line.startsWith(`${a},`)
          ? line.replace(`${a},12,`, `${a},10,`)
          : line.startsWith(`${b},`)
            ? line.replace(`${b},3,`, `${b},5,`)
            : line,
      )
      .join('\r\n');
    const posted = await postCsv(edited, '?location=mall-store');
    expect(posted.status).toBe(201);
    const body = (await posted.json()) as CountResponse;
    expect(body.location).toBe('mall-store');
    expect(body.lines).toContainEqual(
      expect.objectContaining({ product_id: a, previous_on_hand: 12, variance: -2 }),
    );
    expect(body.lines).toContainEqual(
      expect.objectContaining({ product_id: b, previous_on_hand: 3, variance: 2 }),
    );
    expect((await stockRow(a, 'mall-store'))?.on_hand).toBe(10);
    expect((await stockRow(b, 'mall-store'))?.on_hand).toBe(5);
    // Rows whose count did not change wrote no ledger row.
    const after = await (await fetch(`${main().url}/inventory.csv?location=mall-store`)).text();
    expect(after).toContain(`${a},10,0,10,`);
  });

  it('refuses bad CSV with a 400 naming the row and column, and writes nothing', async () => {
    const a = await createProduct(stores(), { 'main-store': 10 });
    const cases: [string, string, string][] = [
      ['sku,qty\r\nX,1', '?location=main-store', 'row 1, column header'],
      [`product_id,counted\r\n${a},ten`, '?location=main-store', 'row 2, column counted'],
      [
        `product_id,counted\r\n${a},4\r\nbad id,1`,
        '?location=main-store',
        'row 3, column product_id',
      ],
      [
        `product_id,counted\r\n${a},4\r\n${a},5`,
        '?location=main-store',
        'row 3, column product_id',
      ],
      [`product_id,counted\r\n${a},-1`, '?location=main-store', 'row 2, column counted'],
      ['product_id,counted\r\n', '?location=main-store', 'row 2'],
      [`product_id,counted\r\n${a},4`, '', 'location'],
    ];
    for (const [text, query, where] of cases) {
      const res = await postCsv(text, query);
      expect(res.status, text).toBe(400);
      expect(await res.text(), text).toContain(where);
    }
    expect((await stockRow(a, 'main-store'))?.on_hand).toBe(10);
    expect((await countLedger(a)).map((r) => r.update_type)).toEqual(['restock']);
  });
});
