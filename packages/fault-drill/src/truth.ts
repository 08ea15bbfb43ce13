import { isDeepStrictEqual } from 'node:util';
import { toProductInventory, type ProductInventory, type StockLevel } from '@stockwire/domain';
import { withClient } from '@stockwire/local-stack';

/** A product's view without `last_updated`, whose text differs between sources for one instant. */
export type Comparable = Omit<ProductInventory, 'last_updated'>;

const comparable = ({ last_updated: _ignored, ...view }: ProductInventory): Comparable => view;

interface Row {
  id: string;
  name: string;
  description: string;
  low_stock_threshold: number;
  location: string | null;
  on_hand: number | null;
  reserved: number | null;
  version: string | null;
}

/** Every product as the database holds it, read directly with SQL, by product id. */
export async function databaseInventory(databaseUrl: string): Promise<Map<string, Comparable>> {
  const { rows } = await withClient(databaseUrl, (db) =>
    db.query<Row>(
      `select p.id, p.name, p.description, p.low_stock_threshold,
              s.location, s.on_hand, s.reserved, s.version
         from public.products p
         left join public.stock_levels s on s.product_id = p.id`,
    ),
  );
  const products = new Map<string, { row: Row; levels: Map<string, StockLevel> }>();
  for (const row of rows) {
    let entry = products.get(row.id);
    if (!entry) products.set(row.id, (entry = { row, levels: new Map() }));
    if (row.location !== null) {
      entry.levels.set(row.location, {
        location: row.location,
        on_hand: row.on_hand!,
        reserved: row.reserved!,
        version: Number(row.version),
        updated_at: new Date(0).toISOString(),
      });
    }
  }
  const views = new Map<string, Comparable>();
  for (const [id, { row, levels }] of products) {
    const product = {
      id,
      name: row.name,
      description: row.description,
      low_stock_threshold: row.low_stock_threshold,
    };
    views.set(id, comparable(toProductInventory({ product, levels })));
  }
  return views;
}

/** Every product as a store's cache serves it (`GET /inventory`), by product id. */
export async function cacheInventory(storeUrl: string): Promise<Map<string, Comparable>> {
  const res = await fetch(`${storeUrl}/inventory`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET ${storeUrl}/inventory answered ${res.status}`);
  const views = (await res.json()) as ProductInventory[];
  return new Map(views.map((v) => [v.product_id, comparable(v)]));
}

/** A store whose cache differs from the database, and how. */
export interface Divergence {
  store: string;
  /** Up to a few differing products, described. */
  differences: string[];
  /** How many products differ in all. */
  count: number;
}

/**
 * Compares each store's whole cache with the database: every product, every location, every
 * quantity and version. Empty when every cache equals the database.
 */
export async function divergence(
  stores: ReadonlyArray<{ name: string; url: string }>,
  databaseUrl: string,
): Promise<Divergence[]> {
  const truth = await databaseInventory(databaseUrl);
  const found: Divergence[] = [];
  for (const store of stores) {
    let cache: Map<string, Comparable>;
    try {
      cache = await cacheInventory(store.url);
    } catch (error) {
      found.push({ store: store.name, differences: [String(error)], count: 1 });
      continue;
    }
    const differences: string[] = [];
    for (const id of new Set([...truth.keys(), ...cache.keys()])) {
      const want = truth.get(id);
      const have = cache.get(id);
      if (isDeepStrictEqual(want, have)) continue;
      differences.push(
        `${id}: database ${JSON.stringify(want?.locations ?? null)}, cache ${JSON.stringify(have?.locations ?? null)}`,
      );
    }
    if (differences.length > 0) {
      found.push({
        store: store.name,
        differences: differences.slice(0, 5),
        count: differences.length,
      });
    }
  }
  return found;
}

/**
 * Polls until every store's cache equals the database, and returns how long that took; throws
 * with the remaining differences after `timeoutMs`.
 */
export async function waitForConvergence(
  stores: ReadonlyArray<{ name: string; url: string }>,
  databaseUrl: string,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  let last: Divergence[] = [];
  while (Date.now() - started < timeoutMs) {
    last = await divergence(stores, databaseUrl);
    if (last.length === 0) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `caches did not converge within ${timeoutMs} ms:\n${last
      .map((d) => `  ${d.store} (${d.count} product(s)): ${d.differences.join('; ')}`)
      .join('\n')}`,
  );
}
