import {
  LocationSchema,
  MovementTypeSchema,
  ProductSchema,
  StockLevelSchema,
  StockLocationSchema,
} from '@stockwire/domain';
import { z } from 'zod';
import type {
  CountResult,
  CreateProductResult,
  FinishResult,
  LocationResult,
  Idempotent,
  MoveResult,
  OrderResult,
  ReorderPointResult,
  ReserveResult,
} from './inventory.store.js';
import type { DatabaseDigests, ScrubbedDigests } from './inventory.digests.js';
import { ReservationSchema, StoredApiKeySchema } from './supabase-rows.mapper.js';

/*
 * What the SQL functions answer, checked on arrival: a function that answers something else is a
 * bug to surface, not data to pass on.
 */

export const RowChangeSchema = StockLevelSchema.extend({
  in_transit: z.number().int().nonnegative().optional(),
  product_id: z.string(),
  change: z.number().int(),
  reserved_change: z.number().int(),
  update_type: MovementTypeSchema,
  event_id: z.number().int().positive().nullable(),
  order_id: z.string().nullable(),
  reservation_id: z.string().nullable(),
  transfer_id: z.string().nullable().default(null),
});

export const EffectsSchema = z.object({
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

export const RefusalCodeSchema = z.enum([
  'product_not_found',
  'location_not_found',
  'location_inactive',
  'insufficient_stock',
  'quantity_out_of_range',
  'invalid_change',
]);

const Accepted = EffectsSchema.extend({ ok: z.literal(true), available: z.number().int() });
const Refused = EffectsSchema.extend({
  ok: z.literal(false),
  code: RefusalCodeSchema,
  available: z.number().int().optional(),
});

export const MoveResultSchema: z.ZodType<MoveResult> = z.discriminatedUnion('ok', [
  Accepted,
  Refused,
]);

export const ReserveResultSchema: z.ZodType<ReserveResult> = z.discriminatedUnion('ok', [
  Accepted.extend({ reservation: ReservationSchema }),
  Refused,
]);

export const FinishResultSchema: z.ZodType<FinishResult> = z.discriminatedUnion('ok', [
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
export const OrderResultSchema: z.ZodType<OrderResult> = z.discriminatedUnion('ok', [
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

export const CreateProductResultSchema: z.ZodType<CreateProductResult> = z.union([
  z.object({ ok: z.literal(true), product: ProductSchema, levels: z.array(StockLevelSchema) }),
  z.object({ ok: z.literal(false), code: z.literal('product_exists') }),
  z.object({
    ok: z.literal(false),
    code: z.enum(['location_not_found', 'location_inactive']),
    location: LocationSchema,
  }),
]);

export const ReorderPointResultSchema: z.ZodType<ReorderPointResult> = z.discriminatedUnion('ok', [
  EffectsSchema.extend({ ok: z.literal(true) }),
  EffectsSchema.extend({
    ok: z.literal(false),
    code: z.enum(['product_not_found', 'location_not_found', 'location_inactive']),
  }),
]);

const RefusedCountLineSchema = z.object({
  index: z.number().int(),
  product_id: z.string(),
  counted: z.number().int(),
  code: z.enum(['count_below_reserved', 'product_not_found']),
  reserved: z.number().int(),
});
const AppliedCountLineSchema = z.object({
  index: z.number().int(),
  product_id: z.string(),
  counted: z.number().int(),
  previous_on_hand: z.number().int(),
  variance: z.number().int(),
  event_id: z.number().int().nullable(),
});

export const CountResultSchema: z.ZodType<CountResult> = z.union([
  EffectsSchema.extend({
    ok: z.literal(true),
    duplicate: z.boolean().optional(),
    count_id: z.string(),
    location: LocationSchema,
    all_or_nothing: z.boolean(),
    lines: z.array(z.union([AppliedCountLineSchema, RefusedCountLineSchema])),
  }),
  EffectsSchema.extend({
    ok: z.literal(false),
    code: z.enum(['location_not_found', 'location_inactive']),
    count_id: z.string(),
    line: z.null(),
  }),
  EffectsSchema.extend({
    ok: z.literal(false),
    code: z.enum(['count_below_reserved', 'product_not_found']),
    count_id: z.string(),
    line: RefusedCountLineSchema,
  }),
]);

export const LocationResultSchema: z.ZodType<LocationResult> = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), location: StockLocationSchema }),
  z.object({ ok: z.literal(false), code: z.enum(['location_exists', 'location_not_found']) }),
]);

export const ApiKeyResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), key: StoredApiKeySchema }),
  z.object({ ok: z.literal(false), code: z.enum(['key_exists', 'key_not_found']) }),
]);

const BucketDigestEntrySchema = z
  .tuple([
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
    z.string().regex(/^[0-9a-f]{1,16}$/),
  ])
  .transform(([bucket, products, rows, hash]) => [bucket, { products, rows, hash }] as const);

export const BucketDigestsSchema: z.ZodType<DatabaseDigests> = z
  .object({ buckets: z.number().int().positive(), digests: z.array(BucketDigestEntrySchema) })
  .transform(({ buckets, digests }) => ({ buckets, digests: new Map(digests) }));

export const ScrubbedDigestsSchema: z.ZodType<ScrubbedDigests> = z
  .object({
    buckets: z.number().int().positive(),
    reset: z.array(z.number().int().nonnegative()),
    digests: z.array(BucketDigestEntrySchema),
  })
  .transform(({ buckets, reset, digests }) => ({ buckets, reset, digests: new Map(digests) }));

export const BucketMembersSchema = z.array(z.string());

/** `ledger_committed_late`: the stock rows of ledger rows that may have committed late. */
export const CommittedLateSchema = z.array(
  z.object({ product_id: z.string(), location: z.string() }),
);

const ReplaySchema = z.object({
  replay: z.unknown(),
  response_status: z.number().int().nullable(),
  response_body: z.unknown(),
});

/** Reads a function's answer to a write that may have carried an idempotency key. */
export function idempotent<T>(schema: z.ZodType<T>, raw: unknown): Idempotent<T> {
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
