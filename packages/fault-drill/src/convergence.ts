import { isDeepStrictEqual } from 'node:util';
import { toProductInventory, type ProductInventory, type StockLevel } from '@stockwire/domain';
import { withClient } from '@stockwire/local-stack';
import type pg from 'pg';

/** A product's view without `last_updated`, whose text differs between sources for one instant. */
export type Comparable = Omit<ProductInventory, 'last_updated'>;

const comparable = ({ last_updated: _ignored, ...view }: ProductInventory): Comparable => view;

/**
 * Where the truth is read from: a connection string (a connection of its own for each read) or a
 * connected client, for a caller that compares often and keeps one open.
 */
export type DatabaseSource = string | Pick<pg.ClientBase, 'query'>;

/**
 * A store whose cache is compared: anything serving `GET /inventory` at `url`, such as a store
 * process or an in-process store instance. `name` labels it in the results; the URL where absent.
 */
export interface CacheSource {
  url: string;
  name?: string;
}

/** Which products a comparison covers. */
export interface ConvergenceScope {
  /**
   * The product ids to compare, or a test of the id; products outside are ignored on both sides.
   * @default every product
   */
  products?: ReadonlyArray<string> | ((productId: string) => boolean);
}

function inScope(scope: ConvergenceScope): (productId: string) => boolean {
  const { products } = scope;
  if (products === undefined) return () => true;
  if (typeof products === 'function') return products;
  const ids = new Set(products);
  return (id) => ids.has(id);
}

function query<T>(database: DatabaseSource, fn: (db: Pick<pg.ClientBase, 'query'>) => Promise<T>) {
  return typeof database === 'string' ? withClient(database, fn) : fn(database);
}

interface Row {
  id: string;
  name: string;
  description: string;
  low_stock_threshold: number;
  location: string | null;
  on_hand: number | null;
  reserved: number | null;
  in_transit: number | null;
  version: string | null;
  reorder_point: number | null;
  reorder_quantity: number | null;
}

/** Every product as the database holds it, read directly with SQL, by product id. */
export async function databaseInventory(
  database: DatabaseSource,
  scope: ConvergenceScope = {},
): Promise<Map<string, Comparable>> {
  const wanted = inScope(scope);
  const { rows } = await query(database, (db) =>
    db.query<Row>(
      `select p.id, p.name, p.description, p.low_stock_threshold,
              s.location, s.on_hand, s.reserved, s.in_transit, s.version,
              s.reorder_point, s.reorder_quantity
         from public.products p
         left join public.stock_levels s on s.product_id = p.id`,
    ),
  );
  const products = new Map<string, { row: Row; levels: Map<string, StockLevel> }>();
  for (const row of rows) {
    if (!wanted(row.id)) continue;
    let entry = products.get(row.id);
    if (!entry) products.set(row.id, (entry = { row, levels: new Map() }));
    if (row.location !== null) {
      entry.levels.set(row.location, {
        location: row.location,
        on_hand: row.on_hand!,
        reserved: row.reserved!,
        in_transit: row.in_transit!,
        version: Number(row.version),
        updated_at: new Date(0).toISOString(),
        reorder_point: row.reorder_point!,
        reorder_quantity: row.reorder_quantity!,
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
export async function cacheInventory(
  storeUrl: string,
  scope: ConvergenceScope = {},
): Promise<Map<string, Comparable>> {
  const wanted = inScope(scope);
  const res = await fetch(`${storeUrl}/inventory`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET ${storeUrl}/inventory answered ${res.status}`);
  const views = ((await res.json()) as { products: ProductInventory[] }).products;
  return new Map(
    views.filter((v) => wanted(v.product_id)).map((v) => [v.product_id, comparable(v)]),
  );
}

/** A store whose cache differs from the database, and how. */
export interface Divergence {
  store: string;
  /** Up to a few differing products, described. */
  differences: string[];
  /** How many products differ in all. */
  count: number;
  /** How many stock rows (a product at a location) differ: at least one per differing product. */
  rows: number;
}

/** Stock rows of one product that differ between two views, at least one if the views differ. */
function rowsDiffering(want: Comparable | undefined, have: Comparable | undefined): number {
  const locations = new Set([
    ...Object.keys(want?.locations ?? {}),
    ...Object.keys(have?.locations ?? {}),
  ]);
  let rows = 0;
  for (const location of locations) {
    if (!isDeepStrictEqual(want?.locations[location], have?.locations[location])) rows++;
  }
  return Math.max(1, rows);
}

/**
 * Compares each store's cache with the database: every product in scope, every location, every
 * quantity and version. Empty when every cache equals the database. A store that cannot be read
 * counts as one differing product.
 */
export async function divergence(
  stores: ReadonlyArray<CacheSource>,
  database: DatabaseSource,
  scope: ConvergenceScope = {},
): Promise<Divergence[]> {
  const truth = await databaseInventory(database, scope);
  const found: Divergence[] = [];
  for (const store of stores) {
    const name = store.name ?? store.url;
    let cache: Map<string, Comparable>;
    try {
      cache = await cacheInventory(store.url, scope);
    } catch (error) {
      found.push({ store: name, differences: [String(error)], count: 1, rows: 1 });
      continue;
    }
    const differences: string[] = [];
    let rows = 0;
    for (const id of new Set([...truth.keys(), ...cache.keys()])) {
      const want = truth.get(id);
      const have = cache.get(id);
      if (isDeepStrictEqual(want, have)) continue;
      rows += rowsDiffering(want, have);
      differences.push(
        `${id}: database ${JSON.stringify(want?.locations ?? null)}, cache ${JSON.stringify(have?.locations ?? null)}`,
      );
    }
    if (differences.length > 0) {
      found.push({
        store: name,
        differences: differences.slice(0, 5),
        count: differences.length,
        rows,
      });
    }
  }
  return found;
}

export interface ConvergenceOptions extends ConvergenceScope {
  /**
   * How long to keep comparing; the comparison runs at least once.
   * @default 30_000
   */
  timeoutMs?: number;
  /**
   * The pause between comparisons.
   * @default 50
   */
  intervalMs?: number;
}

/** How a wait for convergence ended. */
export interface Convergence {
  /** From the start of the wait until every cache equalled the database; null if none did in time. */
  convergedMs: number | null;
  /** What still differed at the last comparison: empty once converged. */
  left: Divergence[];
}

/** Compares until every store's cache equals the database or `timeoutMs` has passed. */
export async function pollConvergence(
  stores: ReadonlyArray<CacheSource>,
  database: DatabaseSource,
  { timeoutMs = 30_000, intervalMs = 50, ...scope }: ConvergenceOptions = {},
): Promise<Convergence> {
  const started = Date.now();
  for (;;) {
    const left = await divergence(stores, database, scope);
    if (left.length === 0) return { convergedMs: Date.now() - started, left };
    if (Date.now() - started >= timeoutMs) return { convergedMs: null, left };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Stock rows that differ from the database, summed over every store. */
export const rowsLeft = (left: readonly Divergence[]): number =>
  left.reduce((n, d) => n + d.rows, 0);

/**
 * Polls until every store's cache equals the database, and returns how long that took; throws
 * with the remaining differences after `timeoutMs`.
 */
export async function waitForConvergence(
  stores: ReadonlyArray<CacheSource>,
  database: DatabaseSource,
  options: ConvergenceOptions = {},
): Promise<number> {
  const { convergedMs, left } = await pollConvergence(stores, database, options);
  if (convergedMs !== null) return convergedMs;
  throw new Error(
    `caches did not converge within ${options.timeoutMs ?? 30_000} ms:\n${left
      .map((d) => `  ${d.store} (${d.count} product(s)): ${d.differences.join('; ')}`)
      .join('\n')}`,
  );
}
