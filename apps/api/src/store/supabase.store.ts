import {
  AlertKindSchema,
  ERROR_CODES,
  ProductSchema,
  StockLevelSchema,
  StockwireError,
  UpdateTypeSchema,
  type AlertsQuery,
  type EventsQuery,
  type InventoryEvent,
  type ProductId,
  type ProductStock,
} from '@stockwire/domain';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Database, Json } from './database.types.js';
import type {
  ChangeResult,
  CreateProductResult,
  HistoryFilter,
  InventoryStore,
  NewProduct,
  StockChange,
  StoredAlert,
} from './inventory.store.js';

const ChangeResultSchema = z.discriminatedUnion('ok', [
  StockLevelSchema.extend({
    ok: z.literal(true),
    product_id: z.string(),
    change: z.number().int(),
    update_type: UpdateTypeSchema,
    event_id: z.number().int().positive(),
  }),
  z.object({
    ok: z.literal(false),
    code: z.enum([
      'product_not_found',
      'insufficient_stock',
      'quantity_out_of_range',
      'invalid_change',
    ]),
    available: z.number().int().optional(),
  }),
]);

const CreateProductResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), product: ProductSchema, levels: z.array(StockLevelSchema) }),
  z.object({ ok: z.literal(false), code: z.literal('product_exists') }),
]);

const ProductRowSchema = ProductSchema.extend({
  stock_levels: z.array(StockLevelSchema),
});

const EventRowSchema = z
  .object({
    id: z.number().int(),
    product_id: z.string(),
    location: z.string(),
    update_type: UpdateTypeSchema,
    change: z.number().int(),
    previous_quantity: z.number().int(),
    new_quantity: z.number().int(),
    version: z.number().int(),
    store: z.string(),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .transform(({ id, ...row }): InventoryEvent => ({ event_id: id, ...row }));
const EVENT_COLUMNS =
  'id, product_id, location, update_type, change, previous_quantity, new_quantity, version, store, request_id, created_at';

const AlertRowSchema = z
  .object({
    id: z.number().int(),
    product_id: z.string(),
    location: z.string(),
    kind: AlertKindSchema,
    available: z.number().int(),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    threshold: z.number().int(),
    version: z.number().int(),
    created_at: z.string(),
  })
  .transform(({ id, ...row }): StoredAlert => ({ alert_id: id, ...row }));
const ALERT_COLUMNS =
  'id, product_id, location, kind, available, on_hand, reserved, threshold, version, created_at';

const PRODUCT_COLUMNS =
  'id, name, description, low_stock_threshold, stock_levels(location, on_hand, reserved, version, updated_at)';
const PAGE = 1000;

function toProductStock(row: z.infer<typeof ProductRowSchema>): ProductStock {
  const { stock_levels, ...product } = row;
  return { product, levels: new Map(stock_levels.map((l) => [l.location, l])) };
}

/** A database call that did not answer: the caller gets a 503, and nothing was half-done. */
function unavailable(what: string, cause: unknown): StockwireError {
  return new StockwireError(
    ERROR_CODES.DATABASE_UNAVAILABLE,
    `The inventory database is unavailable (${what}); nothing was changed. Try again shortly.`,
    undefined,
    { cause },
  );
}

/** {@link InventoryStore} on Supabase: writes are `rpc` calls to the SQL functions in migrations. */
export class SupabaseInventoryStore implements InventoryStore {
  private readonly db: SupabaseClient<Database>;

  constructor(url: string, serviceRoleKey: string) {
    this.db = createClient<Database>(url, serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // supabase-js needs a WebSocket implementation for realtime on Node 20, even unused.
      realtime: { transport: WebSocket as never },
    });
  }

  async applyChanges(changes: readonly StockChange[]): Promise<ChangeResult[]> {
    const res = await this.db.rpc('apply_stock_changes', { changes: changes as unknown as Json });
    if (res.error) throw unavailable('apply_stock_changes', res.error);
    const results = z.array(ChangeResultSchema).parse(res.data);
    if (results.length !== changes.length) {
      throw new StockwireError(
        ERROR_CODES.INTERNAL,
        'apply_stock_changes answered the wrong number of results',
      );
    }
    return results;
  }

  async createProduct(input: NewProduct): Promise<CreateProductResult> {
    const res = await this.db.rpc('create_product', {
      product: {
        ...input.product,
        stock: input.stock,
        request_id: input.request_id,
        store: input.store,
      },
    });
    if (res.error) throw unavailable('create_product', res.error);
    return CreateProductResultSchema.parse(res.data);
  }

  async loadAll(): Promise<ProductStock[]> {
    const all: ProductStock[] = [];
    for (let from = 0; ; from += PAGE) {
      const { data, error } = await this.db
        .from('products')
        .select(PRODUCT_COLUMNS)
        .order('id')
        .range(from, from + PAGE - 1);
      if (error) throw unavailable('load products', error);
      const rows = z.array(ProductRowSchema).parse(data);
      all.push(...rows.map(toProductStock));
      if (rows.length < PAGE) return all;
    }
  }

  async loadProduct(id: ProductId): Promise<ProductStock | null> {
    const { data, error } = await this.db
      .from('products')
      .select(PRODUCT_COLUMNS)
      .eq('id', id)
      .maybeSingle();
    if (error) throw unavailable('load product', error);
    return data === null ? null : toProductStock(ProductRowSchema.parse(data));
  }

  async listEvents(filter: HistoryFilter<EventsQuery>, limit: number): Promise<InventoryEvent[]> {
    let query = this.db
      .from('inventory_events')
      .select(EVENT_COLUMNS)
      .order('id', { ascending: false })
      .limit(limit);
    if (filter.product_id !== undefined) query = query.eq('product_id', filter.product_id);
    if (filter.location !== undefined) query = query.eq('location', filter.location);
    if (filter.update_type !== undefined) query = query.in('update_type', filter.update_type);
    if (filter.since !== undefined) query = query.gte('created_at', filter.since);
    if (filter.until !== undefined) query = query.lt('created_at', filter.until);
    if (filter.before !== undefined) query = query.lt('id', filter.before);
    if (filter.after !== undefined) query = query.gt('id', filter.after);
    const { data, error } = await query;
    if (error) throw unavailable('read the ledger', error);
    return z.array(EventRowSchema).parse(data);
  }

  async listAlerts(filter: HistoryFilter<AlertsQuery>, limit: number): Promise<StoredAlert[]> {
    let query = this.db
      .from('stock_alerts')
      .select(ALERT_COLUMNS)
      .order('id', { ascending: false })
      .limit(limit);
    if (filter.product_id !== undefined) query = query.eq('product_id', filter.product_id);
    if (filter.location !== undefined) query = query.eq('location', filter.location);
    if (filter.kind !== undefined) query = query.eq('kind', filter.kind);
    if (filter.since !== undefined) query = query.gte('created_at', filter.since);
    if (filter.until !== undefined) query = query.lt('created_at', filter.until);
    if (filter.before !== undefined) query = query.lt('id', filter.before);
    if (filter.after !== undefined) query = query.gt('id', filter.after);
    const { data, error } = await query;
    if (error) throw unavailable('read the alerts', error);
    return z.array(AlertRowSchema).parse(data);
  }

  async ping(): Promise<boolean> {
    const { error } = await this.db.from('products').select('id').limit(1);
    return error === null;
  }
}
