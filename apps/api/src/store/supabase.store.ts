import {
  ERROR_CODES,
  ProductSchema,
  StockLevelSchema,
  StockwireError,
  UpdateTypeSchema,
  type ProductId,
  type ProductStock,
} from '@stockwire/domain';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Database, Json } from './database.types.js';
import type { InventoryDigest, InventoryDigests } from './inventory.digests.js';
import type {
  ChangeResult,
  CreateProductResult,
  InventoryStore,
  NewProduct,
  StockChange,
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

const DigestSchema = z.object({
  products: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  digest: z.string().regex(/^[0-9a-f]{32}$/),
});

const ProductRowSchema = ProductSchema.extend({
  stock_levels: z.array(StockLevelSchema),
});

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
export class SupabaseInventoryStore implements InventoryStore, InventoryDigests {
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

  /** The database's side of the anti-entropy check (see `inventory_digest` in migrations). */
  async digest(): Promise<InventoryDigest> {
    const res = await this.db.rpc('inventory_digest');
    if (res.error) throw unavailable('inventory_digest', res.error);
    return DigestSchema.parse(res.data);
  }

  async ping(): Promise<boolean> {
    // One quick try: supabase-js retries reads for seconds, and /health must answer at once.
    const { error } = await this.db
      .from('products')
      .select('id')
      .limit(1)
      .retry(false)
      .abortSignal(AbortSignal.timeout(2000));
    return error === null;
  }
}
