/**
 * Two scratch databases for comparing SQL migrations side by side: `before` has the migrations
 * older than BASELINE (default 20261130000000, the first one of the faster apply_stock_changes),
 * `after` has all of them (the seed in both). On DATABASE_URL (a superuser URL) if set, else on an embedded Postgres
 * of its own under .data/bench-sql. Both databases are made afresh each time.
 */
import { join } from 'node:path';
import type pg from 'pg';
import { pathToFileURL } from 'node:url';
import {
  ensureDatabase,
  ensureSupabaseRoles,
  freePort,
  migrate,
  PROJECT_ROOT,
  startEmbeddedPostgres,
  withDatabase,
} from '@stockwire/local-stack';

export const BASELINE = process.env.BASELINE ?? '20261130000000';

export interface ScratchDatabases {
  before: string;
  after: string;
  stop(): Promise<void>;
}

async function recreate(adminUrl: string, database: string): Promise<string> {
  await ensureDatabase(adminUrl, database, true);
  const url = withDatabase(adminUrl, database);
  // Roles are per cluster: the password only matters to PostgREST, which does not run here.
  await ensureSupabaseRoles(url);
  return url;
}

/** @param dir where under .data the embedded Postgres keeps its data, when DATABASE_URL is unset */
export async function scratchDatabases(dir = 'bench-sql'): Promise<ScratchDatabases> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = () => Promise.resolve();
  if (!adminUrl) {
    const server = await startEmbeddedPostgres({
      dir: join(PROJECT_ROOT, '.data', dir, 'postgres'),
      port: await freePort(),
      password: 'bench-sql',
      log: () => {},
    });
    adminUrl = server.adminUrl;
    stop = () => server.stop();
  }
  try {
    const before = await recreate(adminUrl, 'sw_sql_before');
    const after = await recreate(adminUrl, 'sw_sql_after');
    await migrate(before, join(PROJECT_ROOT, 'supabase'), { before: BASELINE });
    await migrate(after, join(PROJECT_ROOT, 'supabase'));
    return { before, after, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Seeds a scratch database: `products` products named B1…Bn, each stocked with a million units at
 * every one of `locations`, and `endpoints` webhook endpoints taking every stock change; then
 * analyzes, so plans see the tables as they are.
 */
export async function seedStock(
  client: pg.Client,
  { products, locations, endpoints }: { products: number; locations: string[]; endpoints: number },
): Promise<void> {
  if (endpoints > 0)
    await client.query(
      `insert into public.webhook_endpoints (url, events, secret)
       select 'https://receiver.example/' || i, '{stock.changed}', 'whsec_bench'
         from generate_series(1, $1::int) i`,
      [endpoints],
    );
  await client.query(
    `insert into public.products (id, name, low_stock_threshold)
     select 'B' || i, 'Bench product ' || i, 10 from generate_series(1, $1::int) i`,
    [products],
  );
  await client.query(
    `insert into public.stock_levels (product_id, location, on_hand)
     select 'B' || i, l, 1000000 from generate_series(1, $1::int) i, unnest($2::text[]) l`,
    [products, locations],
  );
  await client.query('vacuum analyze');
}

/** What `finish_webhook_attempts` is told of claimed deliveries a receiver took at once. */
export function deliveredResults(claimed: readonly { attempt_id: number; delivery_id: number }[]) {
  return claimed.map((d) => ({
    attempt_id: d.attempt_id,
    delivery_id: d.delivery_id,
    outcome: 'delivered',
    status_code: 204,
    duration_ms: 1,
    error: null,
    response: '',
    retry_in_ms: null,
  }));
}

// Run directly, it makes the two databases and keeps them up for psql until interrupted.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dbs = await scratchDatabases();
  console.log(`before: ${dbs.before}\nafter:  ${dbs.after}`);
  process.once('SIGINT', () => void dbs.stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void dbs.stop().then(() => process.exit(0)));
}
