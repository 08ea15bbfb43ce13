/**
 * Two scratch databases for comparing SQL migrations side by side: `before` has the migrations
 * older than BASELINE (default 20261130000000, the first one of the faster apply_stock_changes),
 * `after` has all of them. On DATABASE_URL (a superuser URL) if set, else on an embedded Postgres
 * of its own under .data/bench-sql. Both databases are made afresh each time.
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureSupabaseRoles, freePort, migrate, PROJECT_ROOT } from '@stockwire/local-stack';
import pg from 'pg';
// Not exported by the package: the stack's own embedded-Postgres starter.
import { startEmbeddedPostgres } from '../../packages/local-stack/src/postgres.js';

export const BASELINE = process.env.BASELINE ?? '20261130000000';

export interface ScratchDatabases {
  before: string;
  after: string;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function recreate(adminUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${database} with (force)`);
    await client.query(`create database ${database}`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, database);
}

/** A supabase/ folder holding the migrations older than BASELINE, and the seed. */
async function baselineDir(): Promise<string> {
  const dir = join(PROJECT_ROOT, '.data', 'bench-sql', 'baseline');
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'migrations'), { recursive: true });
  const source = join(PROJECT_ROOT, 'supabase', 'migrations');
  for (const file of await readdir(source)) {
    if (/^\d+_.+\.sql$/.test(file) && file.split('_')[0]! < BASELINE) {
      await copyFile(join(source, file), join(dir, 'migrations', file));
    }
  }
  await copyFile(join(PROJECT_ROOT, 'supabase', 'seed.sql'), join(dir, 'seed.sql'));
  return dir;
}

export async function scratchDatabases(): Promise<ScratchDatabases> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = () => Promise.resolve();
  if (!adminUrl) {
    const server = await startEmbeddedPostgres({
      dir: join(PROJECT_ROOT, '.data', 'bench-sql', 'postgres'),
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
    // Roles are per cluster: the password only matters to PostgREST, which does not run here.
    await ensureSupabaseRoles(before, 'bench-sql-unused');
    await migrate(before, await baselineDir());
    await migrate(after, join(PROJECT_ROOT, 'supabase'));
    return { before, after, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Run directly, it makes the two databases and keeps them up for psql until interrupted.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dbs = await scratchDatabases();
  console.log(`before: ${dbs.before}\nafter:  ${dbs.after}`);
  process.once('SIGINT', () => void dbs.stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void dbs.stop().then(() => process.exit(0)));
}
