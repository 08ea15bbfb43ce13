import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applySchemas,
  generateDatabaseTypes,
  migrate,
  PROJECT_ROOT,
  schemaFiles,
  withClient,
} from '@stockwire/local-stack';
import { changeFitsType, SIGNED_TYPES } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { catalog, catalogDiff } from './catalog.js';
import { scratchDatabase, withDb } from './support/database.js';
import { stack } from './support/stack.js';

const SUPABASE = join(PROJECT_ROOT, 'supabase');

const catalogOf = (url: string) => withClient(url, catalog);

describe('the declared schema, supabase/schemas', () => {
  it('builds the same database as the migrations: tables, functions, grants, policies', async () => {
    const [migrated, declared] = await Promise.all([
      scratchDatabase('sw_migrations'),
      scratchDatabase('sw_schemas'),
    ]);
    try {
      await migrate(migrated.url, SUPABASE);
      await applySchemas(declared.url, SUPABASE);
      const a = await catalogOf(migrated.url);
      const b = await catalogOf(declared.url);
      // What the comparison must at least see, so that an empty catalog cannot pass.
      for (const key of [
        'relation public.inventory_events',
        'constraint public.inventory_events inventory_events_change_fits_type',
        'function public.apply_stock_changes(jsonb)',
        'function stockwire_private.apply_move(text,text,integer,integer,boolean,text,text,text,text,text,uuid,integer,text)',
        'function public.create_transfer(jsonb)',
        'trigger public.transfers transfers_webhook',
        'trigger public.stock_levels stock_levels_record_alert',
        'view public.public_inventory',
        'schema stockwire_private',
      ])
        expect(a.has(key), key).toBe(true);
      expect(catalogDiff(a, b, ['migrations', 'schemas'])).toEqual([]);
    } finally {
      await Promise.all([migrated.drop(), declared.drop()]);
    }
  });

  it('holds one object a file, each defined once, every file in config.toml', async () => {
    // schemaFiles fails on a file that schema_paths does not list.
    const files = await schemaFiles(SUPABASE);
    expect(files.length).toBe(
      (await readdir(join(SUPABASE, 'schemas'), { recursive: true })).filter((f) =>
        f.endsWith('.sql'),
      ).length,
    );
    const defined = new Map<string, string>();
    for (const file of files) {
      const sql = await readFile(join(SUPABASE, file), 'utf8');
      const objects = [
        ...sql.matchAll(
          /^create\s+(?:or\s+replace\s+)?(?:constraint\s+)?(schema|table|view|function|trigger|type)\s+([\w.]+)/gim,
        ),
      ].map((m) => `${m[1]!.toLowerCase()} ${m[2]!}`);
      expect(objects, file).toHaveLength(1);
      const object = objects[0]!;
      expect(defined.get(object), `${object} in ${file}`).toBeUndefined();
      defined.set(object, file);
    }
  });
});

describe('the sign rule of a stock change', () => {
  it('is the same in SQL (change_fits_type) as in the domain (changeFitsType)', async () => {
    const changes = [-2147483648, -1, 0, 1, 2147483647];
    const sql = await withDb(async (db) => {
      const { rows } = await db.query<{ update_type: string; change: number; fits: boolean }>(
        `select t as update_type, c as change, stockwire_private.change_fits_type(t, c) as fits
           from unnest($1::text[]) t, unnest($2::int[]) c`,
        [SIGNED_TYPES, changes],
      );
      return rows;
    });
    expect(sql).toHaveLength(SIGNED_TYPES.length * changes.length);
    for (const row of sql) {
      const type = row.update_type as (typeof SIGNED_TYPES)[number];
      expect(row.fits, `${type} ${row.change}`).toBe(changeFitsType(type, row.change));
    }
    // Types the domain does not know fit no change.
    const unknown = await withDb(async (db) => {
      const { rows } = await db.query<{ fits: boolean }>(
        `select stockwire_private.change_fits_type(t, c) as fits
           from unnest(array['bogus', 'Sale', '', null]) t, unnest(array[-1, 1]) c`,
      );
      return rows.map((r) => r.fits);
    });
    expect(unknown).toEqual(new Array(8).fill(false));
  });

  it('is the ledger check: a row whose change does not fit its type is refused', async () => {
    await withDb(async (db) => {
      await db.query('begin');
      try {
        const insert = (type: string, change: number) =>
          db.query(
            `insert into public.inventory_events
               (product_id, location, update_type, change, previous_quantity, new_quantity, version, store)
             values ('OLJCESPC7Z', 'main-store', $1, $2, 10, 10 + $2, 1, 'test')`,
            [type, change],
          );
        await db.query('savepoint s');
        await expect(insert('sale', 1)).rejects.toMatchObject({
          code: '23514',
          constraint: 'inventory_events_change_fits_type',
        });
        await db.query('rollback to savepoint s');
        await expect(insert('restock', -1)).rejects.toMatchObject({ code: '23514' });
        await db.query('rollback to savepoint s');
        await expect(insert('sale', -1)).resolves.toMatchObject({ rowCount: 1 });
      } finally {
        await db.query('rollback');
      }
    });
  });
});

describe('apps/api/src/store/database.types.ts', () => {
  it('is what npm run db:types generates from the migrated database', async () => {
    const committed = await readFile(
      join(PROJECT_ROOT, 'apps/api/src/store/database.types.ts'),
      'utf8',
    );
    expect(await generateDatabaseTypes(stack().databaseUrl), 'stale: run npm run db:types').toBe(
      committed,
    );
  });
});
