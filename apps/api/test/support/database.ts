import { randomUUID } from 'node:crypto';
import type { InventoryEvent } from '@stockwire/domain';
import { ensureDatabase, ensureSupabaseRoles, withDatabase } from '@stockwire/local-stack';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { stack } from './stack.js';

/** Runs `fn` on a connection of its own to the suite's database, closed afterwards. */
export async function withDb<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: stack().databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database of a test's own on the suite's Postgres. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on the suite's Postgres, with the grants and default privileges of a
 * Supabase database (the roles are the cluster's, made by the stack).
 */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const admin = stack().databaseUrl;
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(admin, name, true);
  const url = withDatabase(admin, name);
  await ensureSupabaseRoles(url);
  return {
    url,
    drop: () =>
      withDb((db) => db.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

export interface StockRow {
  on_hand: number;
  reserved: number;
  version: number;
}

/** A product's stock row at a location, read directly with SQL; undefined where there is none. */
export async function stockRow(productId: string, location: string): Promise<StockRow | undefined> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ on_hand: number; reserved: number; version: string }>(
      'select on_hand, reserved, version from stock_levels where product_id = $1 and location = $2',
      [productId, location],
    );
    const row = rows[0];
    return row && { on_hand: row.on_hand, reserved: row.reserved, version: Number(row.version) };
  });
}

/** One row of `inventory_events` as the tests read it; `id` is what `GET /events` calls `event_id`. */
export type LedgerRow = { id: number } & Pick<
  InventoryEvent,
  | 'location'
  | 'update_type'
  | 'change'
  | 'previous_quantity'
  | 'new_quantity'
  | 'version'
  | 'store'
  | 'request_id'
  | 'actor'
>;

/** A product's ledger, oldest first, read directly with SQL. */
export async function ledger(productId: string): Promise<LedgerRow[]> {
  return withDb(async (db) => {
    const { rows } = await db.query<Record<string, unknown>>(
      `select id, location, update_type, change, previous_quantity, new_quantity, version, store, request_id, actor
         from inventory_events where product_id = $1 order by id`,
      [productId],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), version: Number(r.version) }) as LedgerRow);
  });
}

/** A Supabase client of the suite's gateway with `key` (the anon key, the service role key). */
export const supabaseClient = (key: string) =>
  createClient(stack().supabaseUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
