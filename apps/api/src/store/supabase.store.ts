import type {
  AlertsQuery,
  CreateLocationRequest,
  Location,
  StockLocation,
  UpdateLocationRequest,
  EventsQuery,
  InventoryEvent,
  ProductId,
  ProductStock,
  StoreName,
} from '@stockwire/domain';
import { ERROR_CODES, StockwireError } from '@stockwire/domain';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type { StoredApiKey } from '../auth/api-keys.js';
import type { Database, Json } from './database.types.js';
import type { DatabaseDigests, InventoryDigests, ScrubbedDigests } from './inventory.digests.js';
import type { Bucket } from '../sync/bucket.digest.js';
import type {
  ApiKeyResult,
  CountResult,
  CountToRecord,
  CreateProductResult,
  Effects,
  FinishRequest,
  FinishResult,
  HoldRequest,
  Idempotent,
  HistoryFilter,
  InventoryStore,
  LocationResult,
  MoveResult,
  NewApiKey,
  NewProduct,
  OrderResult,
  OrderToPlace,
  Reservation,
  ReorderPointChange,
  ReorderPointResult,
  ReserveResult,
  RowChange,
  StockChange,
  StoredAlert,
} from './inventory.store.js';
import {
  ApiKeyResultSchema,
  CountResultSchema,
  CreateProductResultSchema,
  BucketDigestsSchema,
  BucketMembersSchema,
  CommittedLateSchema,
  ScrubbedDigestsSchema,
  EffectsSchema,
  FinishResultSchema,
  LocationResultSchema,
  MoveResultSchema,
  OrderResultSchema,
  ReorderPointResultSchema,
  ReserveResultSchema,
  RowChangeSchema,
} from './supabase-results.schema.js';
import {
  ALERT_COLUMNS,
  API_KEY_COLUMNS,
  AlertRowSchema,
  EVENT_COLUMNS,
  EventRowSchema,
  LOCATION_COLUMNS,
  LocationRowSchema,
  PRODUCT_COLUMNS,
  ProductRowSchema,
  RESERVATION_COLUMNS,
  ReservationSchema,
  StoredApiKeySchema,
} from './supabase-rows.mapper.js';
import { supabaseClient } from './supabase.client.js';
import { SupabaseRpcClient, keyed, perItem, single } from './supabase-rpc.client.js';
import { readHistory, readRow, readRows } from './supabase-table.reader.js';
import { resolveLostChanges } from './lost-answer.resolver.js';

const PAGE = 1000;
/** Product ids per read of a bucket's products. */
const BUCKET_IDS_PER_READ = 200;

const asJson = (value: unknown) => value as Json;

/** {@link InventoryStore} on Supabase: writes are `rpc` calls to the SQL functions in migrations. */
export class SupabaseInventoryStore implements InventoryStore, InventoryDigests {
  private readonly db: SupabaseClient<Database>;
  private readonly rpc: SupabaseRpcClient;

  /**
   * @param store the store this client writes for, sent as `X-Stockwire-Store` with every call:
   *   the database then leaves its writes unannounced, as the store publishes them itself
   *   (supabase/schemas/functions/stockwire_private.announce_stock_write.sql). Without it, as for
   *   any other service, the database announces every write.
   */
  constructor(url: string, serviceRoleKey: string, store?: StoreName) {
    this.db = supabaseClient(url, serviceRoleKey, store);
    this.rpc = new SupabaseRpcClient(this.db);
  }

  async applyChanges(changes: readonly StockChange[]): Promise<Idempotent<MoveResult>[]> {
    try {
      return await this.applyOnce(changes);
    } catch (error) {
      if (!(error instanceof StockwireError && error.code === ERROR_CODES.OUTCOME_UNKNOWN))
        throw error;
      return resolveLostChanges(
        changes,
        error,
        (lost) => this.writeOutcomes(lost),
        (again) => this.applyOnce(again),
      );
    }
  }

  private applyOnce(changes: readonly StockChange[]): Promise<Idempotent<MoveResult>[]> {
    return this.rpc.call(
      'apply_stock_changes',
      { changes: asJson(changes) },
      perItem(changes.length, MoveResultSchema),
    );
  }

  /** The ledger's word on changes whose answer was lost (see `write_outcomes` in migrations). */
  private writeOutcomes(changes: readonly StockChange[]): Promise<(RowChange | null)[]> {
    const probes = changes.map((c) => ({
      request_id: c.request_id,
      product_id: c.product_id,
      location: c.location,
      after_version: c.known_version ?? 0,
    }));
    return this.rpc.call(
      'write_outcomes',
      { probes: asJson(probes) },
      (raw) => z.array(RowChangeSchema.nullable()).length(changes.length).parse(raw),
      'read',
    );
  }

  reserve(holds: readonly HoldRequest[]): Promise<Idempotent<ReserveResult>[]> {
    return this.rpc.call(
      'reserve_stock',
      { reservations: asJson(holds) },
      perItem(holds.length, ReserveResultSchema),
    );
  }

  finishReservation(request: FinishRequest): Promise<Idempotent<FinishResult>> {
    return this.rpc.call(
      'finish_reservation',
      { request: asJson(request) },
      keyed(FinishResultSchema),
    );
  }

  expireReservations(maxRows: number, store: StoreName): Promise<Effects> {
    return this.rpc.call(
      'expire_reservations',
      { max_rows: maxRows, store },
      single(EffectsSchema),
    );
  }

  getReservation(id: string): Promise<Reservation | null> {
    return readRow(
      this.db.from('reservations').select(RESERVATION_COLUMNS).eq('id', id).maybeSingle(),
      'load reservation',
      ReservationSchema,
    );
  }

  placeOrder(order: OrderToPlace): Promise<Idempotent<OrderResult>> {
    return this.rpc.call('place_order', { p_order: asJson(order) }, keyed(OrderResultSchema));
  }

  async saveIdempotentResponse(key: string, status: number, body: unknown): Promise<void> {
    await this.rpc.call(
      'save_idempotent_response',
      { key, status, body: asJson(body) },
      () => undefined,
    );
  }

  purgeIdempotencyKeys(): Promise<number> {
    return this.rpc.call('purge_idempotency_keys', {}, single(z.number().int()));
  }

  createProduct(input: NewProduct): Promise<Idempotent<CreateProductResult>> {
    const product = {
      ...input.product,
      stock: input.stock,
      request_id: input.request_id,
      store: input.store,
      actor: input.actor,
      idempotency: input.idempotency ?? null,
    };
    return this.rpc.call(
      'create_product',
      { product: asJson(product) },
      keyed(CreateProductResultSchema),
    );
  }

  async loadAll(): Promise<ProductStock[]> {
    const all: ProductStock[] = [];
    for (let from = 0; ; from += PAGE) {
      const page = await readRows(
        this.db
          .from('products')
          .select(PRODUCT_COLUMNS)
          .order('id')
          .range(from, from + PAGE - 1),
        'load products',
        ProductRowSchema,
      );
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  }

  listLocations(): Promise<StockLocation[]> {
    return readRows(
      this.db.from('locations').select(LOCATION_COLUMNS).order('id'),
      'load locations',
      LocationRowSchema,
    );
  }

  createLocation(location: CreateLocationRequest): Promise<LocationResult> {
    return this.rpc.call(
      'create_location',
      { location: asJson(location) },
      single(LocationResultSchema),
    );
  }

  recordCount(count: CountToRecord): Promise<Idempotent<CountResult>> {
    return this.rpc.call('record_count', { p_count: asJson(count) }, keyed(CountResultSchema));
  }

  setReorderPoint({
    product_id,
    location,
    store,
    ...patch
  }: ReorderPointChange): Promise<ReorderPointResult> {
    return this.rpc.call(
      'set_reorder_point',
      { p_product_id: product_id, p_location: location, p_patch: asJson(patch), p_store: store },
      single(ReorderPointResultSchema),
    );
  }

  updateLocation(id: Location, patch: UpdateLocationRequest): Promise<LocationResult> {
    return this.rpc.call(
      'update_location',
      { location_id: id, patch: asJson(patch) },
      single(LocationResultSchema),
    );
  }

  loadProduct(id: ProductId): Promise<ProductStock | null> {
    return readRow(
      this.db.from('products').select(PRODUCT_COLUMNS).eq('id', id).maybeSingle(),
      'load product',
      ProductRowSchema,
    );
  }

  createApiKey(key: NewApiKey): Promise<ApiKeyResult> {
    return this.rpc.call('create_api_key', { key: asJson(key) }, single(ApiKeyResultSchema));
  }

  revokeApiKey(id: string): Promise<ApiKeyResult> {
    return this.rpc.call('revoke_api_key', { key_id: id }, single(ApiKeyResultSchema));
  }

  listApiKeys(): Promise<StoredApiKey[]> {
    return readRows(
      this.db.from('api_keys').select(API_KEY_COLUMNS).order('id'),
      'list API keys',
      StoredApiKeySchema,
    );
  }

  findApiKey(keyHash: string): Promise<StoredApiKey | null> {
    return readRow(
      this.db.from('api_keys').select(API_KEY_COLUMNS).eq('key_hash', keyHash).maybeSingle(),
      'look up an API key',
      StoredApiKeySchema,
    );
  }

  listEvents(filter: HistoryFilter<EventsQuery>, limit: number): Promise<InventoryEvent[]> {
    let query = this.db.from('inventory_events').select(EVENT_COLUMNS);
    if (filter.update_type !== undefined) query = query.in('update_type', filter.update_type);
    return readHistory(query, filter, limit, 'read the ledger', EventRowSchema);
  }

  committedLate(since: number): Promise<{ product_id: ProductId; location: Location }[]> {
    return this.rpc.call('ledger_committed_late', { since }, single(CommittedLateSchema), 'read');
  }

  listAlerts(filter: HistoryFilter<AlertsQuery>, limit: number): Promise<StoredAlert[]> {
    let query = this.db.from('stock_alerts').select(ALERT_COLUMNS);
    if (filter.kind !== undefined) query = query.eq('kind', filter.kind);
    return readHistory(query, filter, limit, 'read the alerts', AlertRowSchema);
  }

  /** The anti-entropy check's first look (see `inventory_bucket_digests` in supabase/schemas). */
  bucketDigests(): Promise<DatabaseDigests> {
    return this.rpc.call('inventory_bucket_digests', {}, single(BucketDigestsSchema), 'read');
  }

  scrubBuckets(buckets: readonly Bucket[]): Promise<ScrubbedDigests> {
    return this.rpc.call(
      'inventory_digest_scrub',
      { buckets: [...buckets] },
      single(ScrubbedDigestsSchema),
      'read',
    );
  }

  async loadBuckets(buckets: readonly Bucket[]): Promise<ProductStock[]> {
    const ids = await this.rpc.call(
      'inventory_bucket_members',
      { buckets: [...buckets] },
      single(BucketMembersSchema),
      'read',
    );
    const all: ProductStock[] = [];
    // Ids travel in the query string: a few hundred at a time keep it short.
    for (let from = 0; from < ids.length; from += BUCKET_IDS_PER_READ) {
      all.push(
        ...(await readRows(
          this.db
            .from('products')
            .select(PRODUCT_COLUMNS)
            .in('id', ids.slice(from, from + BUCKET_IDS_PER_READ))
            .order('id'),
          'load products',
          ProductRowSchema,
        )),
      );
    }
    return all;
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
