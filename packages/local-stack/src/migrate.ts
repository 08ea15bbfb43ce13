import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { withClient } from './postgres.js';

async function inTransaction(client: pg.Client, file: string, fn: () => Promise<void>) {
  await client.query('begin');
  try {
    await fn();
    await client.query('commit');
  } catch (cause) {
    await client.query('rollback');
    throw new Error(`${file} failed to apply`, { cause });
  }
}

export interface MigrateOptions {
  /**
   * Apply only the migrations whose version (the timestamp before the `_`) sorts before this one:
   * the database as it was before that migration, for comparing old and new side by side.
   * @default every migration
   */
  before?: string;
}

export interface MigrationResult {
  applied: string[];
  seeded: boolean;
}

/**
 * Applies `supabase/migrations/*.sql` not yet applied, each in its own transaction, recording them
 * as the Supabase CLI does; then `seed.sql` once per database. An advisory lock keeps two
 * starters from migrating at the same time. PostgREST is told to reload its schema cache.
 */
export async function migrate(
  databaseUrl: string,
  supabaseDir: string,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  const dir = join(supabaseDir, 'migrations');
  const files = (await readdir(dir))
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .filter((f) => options.before === undefined || f.split('_')[0]! < options.before)
    .sort();
  return withClient(databaseUrl, async (client) => {
    await client.query("select pg_advisory_lock(hashtext('stockwire.migrate'))");
    try {
      await client.query(`
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations
          (version text primary key, name text not null, applied_at timestamptz not null default now());
        create table if not exists supabase_migrations.seed_files
          (path text primary key, hash text not null, applied_at timestamptz not null default now());
      `);
      const done = new Set(
        (
          await client.query<{ version: string }>(
            'select version from supabase_migrations.schema_migrations',
          )
        ).rows.map((r) => r.version),
      );
      const applied: string[] = [];
      for (const file of files) {
        const [version, ...rest] = file.replace(/\.sql$/, '').split('_');
        if (!version || done.has(version)) continue;
        const sql = await readFile(join(dir, file), 'utf8');
        await inTransaction(client, file, async () => {
          await client.query(sql);
          await client.query(
            'insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)',
            [version, rest.join('_')],
          );
        });
        applied.push(file);
      }

      let seeded = false;
      const seed = await readFile(join(supabaseDir, 'seed.sql'), 'utf8').catch(() => null);
      const seededBefore = await client.query(
        "select 1 from supabase_migrations.seed_files where path = 'seed.sql'",
      );
      if (seed !== null && seededBefore.rowCount === 0) {
        const hash = createHash('sha256').update(seed).digest('hex');
        await inTransaction(client, 'seed.sql', async () => {
          await client.query(seed);
          await client.query(
            'insert into supabase_migrations.seed_files (path, hash) values ($1, $2)',
            ['seed.sql', hash],
          );
        });
        seeded = true;
      }
      await client.query("notify pgrst, 'reload schema'");
      return { applied, seeded };
    } finally {
      await client.query("select pg_advisory_unlock(hashtext('stockwire.migrate'))");
    }
  });
}
