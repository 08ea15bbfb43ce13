import {
  HOT_PRODUCT,
  INITIAL_STOCK,
  say,
  sleep,
  STORE_NAMES,
  type BenchContext,
} from './context.js';

/** Runs `fn` over `items`, `parallel` at a time. */
export async function eachLimited<T>(items: T[], parallel: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * Creates the bench products, with `INITIAL_STOCK` at every store, and waits until every store
 * knows them; returns the last ledger row's id before any bench write, where the ledger check
 * starts.
 */
export async function createCatalogue({ stores, products, key, size, db }: BenchContext) {
  say(`creating ${size.products} bench products…`);
  const [main] = stores;
  const stock = Object.fromEntries(STORE_NAMES.map((n) => [n, INITIAL_STOCK]));
  await eachLimited([...products, HOT_PRODUCT], 8, async (id) => {
    const res = await fetch(`${main.url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ product_id: id, name: `Bench ${id}`, stock }),
    });
    if (res.status !== 201) throw new Error(`creating ${id}: ${res.status} ${await res.text()}`);
  });
  for (const s of stores) {
    for (let i = 0; ; i++) {
      if ((await fetch(`${s.url}/inventory/${HOT_PRODUCT}`)).status === 200) break;
      if (i > 1200) throw new Error(`${s.name} never learnt of the bench products`);
      await sleep(25);
    }
  }
  const { rows } = await db.query<{ id: string | null }>(
    'select max(id)::text as id from public.inventory_events',
  );
  return Number(rows[0]?.id ?? 0);
}
