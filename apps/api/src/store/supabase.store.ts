import {
  AlertKindSchema,
  ERROR_CODES,
  LocationSchema,
  MovementTypeSchema,
  ProductSchema,
  RoleSchema,
  StockLevelSchema,
  StockwireError,
  UpdateTypeSchema,
  type AlertsQuery,
  type EventsQuery,
  type InventoryEvent,
  type ProductId,
  type ProductStock,
  type Role,
  type StoreName,
} from '@stockwire/domain';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { z } from 'zod';
import type { StoredApiKey } from '../auth/api-keys.js';
import type { Database, Json } from './database.types.js';
import type { InventoryDigest, InventoryDigests } from './inventory.digests.js';
import { keepAliveFetch } from './keep-alive.fetch.js';
import type {
  ApiKeyResult,
  CreateProductResult,
  Effects,
  FinishRequest,
  FinishResult,
  HoldRequest,
  Idempotent,
  HistoryFilter,
  InventoryStore,
  MoveResult,
  NewProduct,
  OrderResult,
  OrderToPlace,
  Reservation,
  ReserveResult,
  StockChange,
  StoredAlert,
} from './inventory.store.js';

const RowChangeSchema = StockLevelSchema.extend({
  product_id: z.string(),
  change: z.number().int(),
  reserved_change: z.number().int(),
  update_type: MovementTypeSchema,
  event_id: z.number().int().positive().nullable(),
  order_id: z.string().nullable(),
  reservation_id: z.string().nullable(),
});

const EffectsSchema = z.object({
  changes: z.array(RowChangeSchema),
  expired: z.array(
    z.object({
      reservation_id: z.string(),
      product_id: z.string(),
      location: LocationSchema,
      quantity: z.number().int(),
      client_id: z.string().nullable(),
      order_id: z.string().nullable(),
    }),
  ),
});

const RefusalCodeSchema = z.enum([
  'product_not_found',
  'insufficient_stock',
  'quantity_out_of_range',
  'invalid_change',
]);

const ReservationSchema = z.object({
  id: z.string(),
  product_id: z.string(),
  location: LocationSchema,
  quantity: z.number().int(),
  status: z.enum(['held', 'committed', 'released', 'expired']),
  expires_at: z.string(),
  client_id: z.string().nullable(),
  order_id: z.string().nullable(),
  store: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

const Accepted = EffectsSchema.extend({ ok: z.literal(true), available: z.number().int() });
const Refused = EffectsSchema.extend({
  ok: z.literal(false),
  code: RefusalCodeSchema,
  available: z.number().int().optional(),
});

const MoveResultSchema: z.ZodType<MoveResult> = z.discriminatedUnion('ok', [Accepted, Refused]);

const ReserveResultSchema: z.ZodType<ReserveResult> = z.discriminatedUnion('ok', [
  Accepted.extend({ reservation: ReservationSchema }),
  Refused,
]);

const FinishResultSchema: z.ZodType<FinishResult> = z.discriminatedUnion('ok', [
  EffectsSchema.extend({ ok: z.literal(true), reservation: ReservationSchema }),
  EffectsSchema.extend({
    ok: z.literal(false),
    code: z.enum([
      'reservation_not_found',
      'reservation_committed',
      'reservation_released',
      'reservation_expired',
      'invalid_change',
    ]),
    reservation: ReservationSchema.optional(),
  }),
]);

const OrderLineSchema = z.object({
  product_id: z.string(),
  location: z.string(),
  quantity: z.number().int(),
});
const OrderResultSchema: z.ZodType<OrderResult> = z.discriminatedUnion('ok', [
  EffectsSchema.extend({
    ok: z.literal(true),
    duplicate: z.boolean().optional(),
    order_id: z.string(),
    lines: z.array(OrderLineSchema),
  }),
  EffectsSchema.extend({
    ok: z.literal(false),
    code: RefusalCodeSchema,
    order_id: z.string(),
    line: z.object({
      index: z.number().int(),
      product_id: z.string(),
      location: z.string(),
      available: z.number().int(),
    }),
  }),
]);

const ReplaySchema = z.object({
  replay: z.unknown(),
  response_status: z.number().int().nullable(),
  response_body: z.unknown(),
});

/** Reads a function's answer to a write that may have carried an idempotency key. */
function idempotent<T>(schema: z.ZodType<T>, raw: unknown): Idempotent<T> {
  if (typeof raw === 'object' && raw !== null && 'mismatch' in raw) return { mismatch: true };
  if (typeof raw === 'object' && raw !== null && 'replay' in raw) {
    const replay = ReplaySchema.parse(raw);
    return {
      replayed: true,
      result: schema.parse(replay.replay),
      response:
        replay.response_status === null
          ? null
          : { status: replay.response_status, body: replay.response_body },
    };
  }
  return { replayed: false, result: schema.parse(raw), response: null };
}

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
    actor: z.string().nullable(),
    order_id: z.string().nullable(),
    reservation_id: z.string().nullable(),
    created_at: z.string(),
  })
  .transform(({ id, ...row }): InventoryEvent => ({ event_id: id, ...row }));
const EVENT_COLUMNS =
  'id, product_id, location, update_type, change, previous_quantity, new_quantity, version, store, request_id, actor, order_id, reservation_id, created_at';

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

const asJson = (value: unknown) => value as Json;

const API_KEY_COLUMNS = 'id, role, created_by, created_at, revoked_at';
const StoredApiKeySchema = z.object({
  id: z.string(),
  role: RoleSchema,
  created_by: z.string().nullable(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
const ApiKeyResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), key: StoredApiKeySchema }),
  z.object({ ok: z.literal(false), code: z.enum(['key_exists', 'key_not_found']) }),
]);

/** {@link InventoryStore} on Supabase: writes are `rpc` calls to the SQL functions in migrations. */
export class SupabaseInventoryStore implements InventoryStore, InventoryDigests {
  private readonly db: SupabaseClient<Database>;

  constructor(url: string, serviceRoleKey: string) {
    this.db = createClient<Database>(url, serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // supabase-js needs a WebSocket implementation for realtime on Node 20, even unused.
      realtime: { transport: WebSocket as never },
      global: { fetch: keepAliveFetch() },
    });
  }

  /** Calls a write function; a failure to answer is a 503, and the transaction did not happen. */
  private async call<F extends keyof Database['public']['Functions']>(
    fn: F,
    args: Database['public']['Functions'][F]['Args'],
  ): Promise<unknown> {
    const res = await this.db.rpc(fn, args);
    if (res.error) throw unavailable(fn, res.error);
    return res.data;
  }

  /** Checks a batch function answered one result per item, and reads each. */
  private perItem<T>(
    fn: string,
    raw: unknown,
    count: number,
    schema: z.ZodType<T>,
  ): Idempotent<T>[] {
    const items = z.array(z.unknown()).parse(raw);
    if (items.length !== count) {
      throw new StockwireError(
        ERROR_CODES.INTERNAL,
        `${fn} answered ${items.length} results for ${count} items`,
      );
    }
    return items.map((item) => idempotent(schema, item));
  }

  async applyChanges(changes: readonly StockChange[]): Promise<Idempotent<MoveResult>[]> {
    const raw = await this.call('apply_stock_changes', { changes: asJson(changes) });
    return this.perItem('apply_stock_changes', raw, changes.length, MoveResultSchema);
  }

  async reserve(holds: readonly HoldRequest[]): Promise<Idempotent<ReserveResult>[]> {
    const raw = await this.call('reserve_stock', { reservations: asJson(holds) });
    return this.perItem('reserve_stock', raw, holds.length, ReserveResultSchema);
  }

  async finishReservation(request: FinishRequest): Promise<Idempotent<FinishResult>> {
    return idempotent(
      FinishResultSchema,
      await this.call('finish_reservation', { request: asJson(request) }),
    );
  }

  async expireReservations(maxRows: number, store: StoreName): Promise<Effects> {
    return EffectsSchema.parse(
      await this.call('expire_reservations', { max_rows: maxRows, store }),
    );
  }

  async getReservation(id: string): Promise<Reservation | null> {
    const { data, error } = await this.db
      .from('reservations')
      .select(
        'id, product_id, location, quantity, status, expires_at, client_id, order_id, store, created_at, updated_at',
      )
      .eq('id', id)
      .maybeSingle();
    if (error) throw unavailable('load reservation', error);
    return data === null ? null : ReservationSchema.parse(data);
  }

  async placeOrder(order: OrderToPlace): Promise<Idempotent<OrderResult>> {
    return idempotent(
      OrderResultSchema,
      await this.call('place_order', { p_order: asJson(order) }),
    );
  }

  async saveIdempotentResponse(key: string, status: number, body: unknown): Promise<void> {
    await this.call('save_idempotent_response', { key, status, body: asJson(body) });
  }

  async purgeIdempotencyKeys(): Promise<number> {
    return z
      .number()
      .int()
      .parse(await this.call('purge_idempotency_keys', {}));
  }

  async createProduct(input: NewProduct): Promise<CreateProductResult> {
    const raw = await this.call('create_product', {
      product: asJson({
        ...input.product,
        stock: input.stock,
        request_id: input.request_id,
        store: input.store,
        actor: input.actor,
      }),
    });
    return CreateProductResultSchema.parse(raw);
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

  async createApiKey(key: {
    id: string;
    role: Role;
    key_hash: string;
    created_by: string;
  }): Promise<ApiKeyResult> {
    return ApiKeyResultSchema.parse(await this.call('create_api_key', { key: asJson(key) }));
  }

  async revokeApiKey(id: string): Promise<ApiKeyResult> {
    return ApiKeyResultSchema.parse(await this.call('revoke_api_key', { key_id: id }));
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    const { data, error } = await this.db.from('api_keys').select(API_KEY_COLUMNS).order('id');
    if (error) throw unavailable('list API keys', error);
    return z.array(StoredApiKeySchema).parse(data);
  }

  async findApiKey(keyHash: string): Promise<StoredApiKey | null> {
    const { data, error } = await this.db
      .from('api_keys')
      .select(API_KEY_COLUMNS)
      .eq('key_hash', keyHash)
      .maybeSingle();
    if (error) throw unavailable('look up an API key', error);
    return data === null ? null : StoredApiKeySchema.parse(data);
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
