import { z } from 'zod';
import { LocationSchema, ProductIdSchema, type Location, type ProductId } from './ids.js';
import { LEDGER_TYPES, LedgerTypeSchema, type LedgerType } from './update-type.js';

/** The id of a ledger row (`inventory_events.id`); ids grow with time, so they order the ledger. */
export type EventId = number;

/** Rows per page of `GET /events` and `GET /alerts` unless `limit` says otherwise. */
export const HISTORY_PAGE_DEFAULT = 50;
/** The largest page a client may ask for. */
export const HISTORY_PAGE_MAX = 500;

/** A positive integer given as a query string, e.g. an event id used as a cursor. */
export const CursorParamSchema = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a positive whole number')
  .transform(Number);

/** A page size given as a query string: a whole number from 1 to `max`. */
export const pageLimitParam = (max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(max, `must be at most ${max}`));

/**
 * A comma-separated list of `item`s given as a query string, each kept once: `A,B`. Refused, in
 * the words given, when one is not an `item` (`invalid`: 'not valid') or there are more than `max`
 * (`many`: `at most <max>`).
 */
export function commaListParam<T extends string>(
  item: z.ZodType<T>,
  max: number,
  words: { invalid: string; many: string } = { invalid: 'not valid', many: `at most ${max}` },
) {
  return z.string().transform((value, ctx) => {
    const items = [...new Set(value.split(',').map((x) => x.trim()))];
    const bad = items.filter((x) => !item.safeParse(x).success);
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${words.invalid}: ${bad.map((x) => `'${x.slice(0, 40)}'`).join(', ')}`,
      });
      return z.NEVER;
    }
    if (items.length > max) {
      ctx.addIssue({ code: 'custom', message: words.many });
      return z.NEVER;
    }
    return items as T[];
  });
}

/** `limit` of a history page: 1 to {@link HISTORY_PAGE_MAX}, default {@link HISTORY_PAGE_DEFAULT}. */
export const LimitParamSchema = pageLimitParam(HISTORY_PAGE_MAX).default(HISTORY_PAGE_DEFAULT);

/** An instant with its offset, e.g. `2026-11-23T12:00:00Z` or `2026-11-23T13:00:00+01:00`. */
export const InstantParamSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with offset, e.g. 2026-11-23T12:00:00Z',
});

/** One or more update types, comma-separated: `sale` or `sale,damage`. */
const UpdateTypesParamSchema = z.string().transform((value, ctx) => {
  const types = [...new Set(value.split(',').map((t) => t.trim()))];
  const unknown = types.filter((t) => !LedgerTypeSchema.safeParse(t).success);
  if (unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown update type ${unknown.map((t) => `'${t}'`).join(', ')}; known: ${LEDGER_TYPES.join(', ')}`,
    });
    return z.NEVER;
  }
  return types as LedgerType[];
});

/** Paging by id, newest first: `before` and `after` are exclusive bounds on the row id. */
export const HistoryPageParams = {
  before: CursorParamSchema.optional(),
  after: CursorParamSchema.optional(),
  limit: LimitParamSchema,
};

/** Refuses an empty id window (`after` ≥ `before` − 1) and a time range that ends before it starts. */
export function historyBoundsInOrder(
  q: { before?: number; after?: number; since?: string; until?: string },
  ctx: z.RefinementCtx,
) {
  if (q.before !== undefined && q.after !== undefined && q.after >= q.before - 1) {
    ctx.addIssue({ code: 'custom', path: ['after'], message: 'must be less than before - 1' });
  }
  if (
    q.since !== undefined &&
    q.until !== undefined &&
    Date.parse(q.since) >= Date.parse(q.until)
  ) {
    ctx.addIssue({ code: 'custom', path: ['since'], message: 'must be earlier than until' });
  }
}

/**
 * Query of `GET /events`: the stock-movement ledger, newest first. Every filter is optional;
 * `since` is inclusive, `until` exclusive; `before`/`after` page by event id.
 */
export const EventsQuerySchema = z
  .strictObject({
    product_id: ProductIdSchema.optional(),
    location: LocationSchema.optional(),
    update_type: UpdateTypesParamSchema.optional(),
    since: InstantParamSchema.optional(),
    until: InstantParamSchema.optional(),
    ...HistoryPageParams,
  })
  .superRefine(historyBoundsInOrder);
export type EventsQuery = z.output<typeof EventsQuerySchema>;

/** One row of the stock-movement ledger, as `GET /events` serves it. */
export interface InventoryEvent {
  event_id: EventId;
  product_id: ProductId;
  location: Location;
  update_type: LedgerType;
  change: number;
  /** On-hand quantity at `location` before and after the movement. */
  previous_quantity: number;
  new_quantity: number;
  /** Version of the (product, location) stock row this movement produced. */
  version: number;
  /** The store whose instance made the movement; `external` for a write the database recorded. */
  store: string;
  /** The request that made it (`X-Request-Id`, or one the store generated). */
  request_id: string | null;
  /** Who made it: `key:<id>`, `user:<sub>`, `stream:…`, `system:…`, or `role:<database role>`. */
  actor: string | null;
  order_id: string | null;
  reservation_id: string | null;
  /** The transfer a `transfer_out`, `transfer_in` or `transfer_cancel` row is a step of. */
  transfer_id: string | null;
  created_at: string;
}

/** `GET /events` response body. */
export interface EventsPage {
  events: InventoryEvent[];
  /** Pass as `before` (with the same filters) for the next, older page; null on the last page. */
  next_cursor: EventId | null;
}
