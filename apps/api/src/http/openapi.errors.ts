import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ERROR_CODES, REQUIRED_ROLE, type Action, type ErrorCode } from '@stockwire/domain';
import { z } from 'zod';
import { HTTP_STATUS } from './error.reply.js';
import { ErrorBodySchema } from './openapi.js';

/** An error example: a summary for the docs and the `error` object without its code. */
export interface ErrorExample {
  summary: string;
  message: string;
  /** What the error carries besides code and message, e.g. `fields`. */
  details?: Record<string, unknown>;
}

/**
 * An example for every error code, shown under each response that can carry it. A new code does
 * not compile until it has one, as it does not until it has a status in `HTTP_STATUS`.
 */
export const ERROR_EXAMPLES: Record<ErrorCode, ErrorExample> = {
  validation_failed: {
    summary: 'A field is missing, malformed or does not fit the others',
    message: 'Invalid request body: change: must be negative for update_type sale',
    details: { fields: { change: ['must be negative for update_type sale'] } },
  },
  transfer_not_found: {
    summary: 'No transfer has this id',
    message: 'Transfer tr-2026-0042 does not exist',
  },
  transfer_exists: {
    summary: 'This transfer_id was already made with another from, to or lines; nothing was taken',
    message: 'Transfer tr-2026-0042 was already made with another from, to or lines',
    details: { field: 'transfer_id' },
  },
  transfer_finished: {
    summary: 'The transfer was received in full or cancelled: nothing is in transit',
    message: 'Transfer tr-2026-0042 is received: nothing is in transit',
    details: { status: 'received' },
  },
  transfer_line_not_found: {
    summary: 'A receipt names a product the transfer does not carry; nothing was received',
    message: 'Transfer tr-2026-0042 carries no 2ZYFJ3GM2N',
    details: { field: 'lines.0', product_id: '2ZYFJ3GM2N' },
  },
  transfer_quantity_exceeded: {
    summary: 'A receipt line is more than is in transit on it; nothing was received',
    message: 'Only 4 of OLJCESPC7Z are in transit on transfer tr-2026-0042',
    details: { field: 'lines.0', product_id: 'OLJCESPC7Z', in_transit: 4 },
  },
  not_found: {
    summary: 'No such route',
    message: 'No route for GET /inventry',
  },
  product_not_found: {
    summary: 'No product has this id',
    message: 'Product NOSUCHPROD does not exist',
  },
  product_exists: {
    summary: 'A product with this id already exists',
    message: 'Product OLJCESPC7Z already exists',
    details: { field: 'product_id' },
  },
  location_not_found: {
    summary: 'No location has this id; nothing was written',
    message: 'Location mian-store does not exist',
    details: { warehouse: 'mian-store' },
  },
  location_inactive: {
    summary: 'The location is inactive and takes no writes; nothing was written',
    message: 'Location mall-store is inactive',
    details: { warehouse: 'mall-store' },
  },
  location_exists: {
    summary: 'A location with this id already exists',
    message: 'Location central-warehouse already exists',
    details: { field: 'id' },
  },
  insufficient_stock: {
    summary: 'The change would take more than is available; nothing was written',
    message: 'Not enough stock of OLJCESPC7Z at main-store: 1 available',
    details: { available_stock: 1, warehouse: 'main-store' },
  },
  count_below_reserved: {
    summary:
      'A line counts fewer units than checkouts hold there; with all_or_nothing, nothing was written',
    message:
      'Count refused, nothing written: line 0: OLJCESPC7Z counted 2 at main-store, below the 3 reserved',
    details: {
      line: {
        index: 0,
        product_id: 'OLJCESPC7Z',
        counted: 2,
        code: 'count_below_reserved',
        reserved: 3,
      },
    },
  },
  quantity_out_of_range: {
    summary: 'The stock would exceed the largest storable quantity',
    message: 'Stock of OLJCESPC7Z at main-store would exceed the largest quantity stored',
    details: { warehouse: 'main-store' },
  },
  invalid_change: {
    summary: "The change's sign does not fit its update type",
    message: 'change does not fit update_type',
    details: { field: 'change' },
  },
  payload_too_large: {
    summary: 'The body is over 64 KB',
    message: 'Request body is too large',
    details: { fields: { body: ['is too large'] } },
  },
  unsupported_media_type: {
    summary: 'The body has an encoding or charset other than UTF-8 JSON',
    message: 'Unsupported body encoding',
  },
  database_unavailable: {
    summary: 'The database did not answer; nothing was written; retry',
    message:
      'The inventory database is unavailable (apply_stock_changes); nothing was changed. Try again shortly.',
  },
  outcome_unknown: {
    summary:
      'The database took the write but its answer was lost; whether it was made is not known yet',
    message:
      'The inventory database took this write but its answer was lost, and whether it was made could not be found out yet. Retrying with the same Idempotency-Key is safe: it answers what was done, or does it now.',
    details: { request_id: '5f0c7c1e-8f0e-4d0c-9c47-6a1d2f3b4c5d' },
  },
  internal: {
    summary: 'An unexpected failure; details are in the store log',
    message: 'Internal error',
  },
  reservation_not_found: {
    summary: 'No hold has this id',
    message: 'Reservation 8b7f1a52-5c1e-4c4e-9d55-0d6f4f2a1b3c does not exist',
  },
  reservation_committed: {
    summary: 'The hold was already committed',
    message: 'Reservation 8b7f1a52-5c1e-4c4e-9d55-0d6f4f2a1b3c was already committed',
  },
  reservation_released: {
    summary: 'The hold was already released',
    message: 'Reservation 8b7f1a52-5c1e-4c4e-9d55-0d6f4f2a1b3c was already released',
  },
  reservation_expired: {
    summary: 'The hold ran out; its units are available again',
    message:
      'Reservation 8b7f1a52-5c1e-4c4e-9d55-0d6f4f2a1b3c has expired; its units are available again',
  },
  idempotency_key_reused: {
    summary: 'The Idempotency-Key was used before with a different request',
    message: 'This Idempotency-Key was already used with a different request',
    details: { field: 'Idempotency-Key' },
  },
  unauthorized: {
    summary: 'No credential, or one that does not hold (unknown key, expired or forged JWT)',
    message: 'A credential is required: send Authorization: Bearer <API key>',
  },
  forbidden: {
    summary: "The credential's role may not do this",
    message: 'Role staff may not adjust',
  },
  not_ready: {
    summary:
      'The store has just started and waits for Redis or the database; nothing was done; retry',
    message:
      'This store is not serving yet: it waits for redis. Nothing was done; try again shortly.',
    details: { waiting_for: ['redis'] },
  },
  rate_limited: {
    summary: 'Too many writes from this credential or address; see Retry-After',
    message: 'Too many writes; try again in 12 s',
    details: { retry_after_seconds: 12 },
  },
  key_exists: {
    summary: 'An API key with this id already exists',
    message: 'API key pos-terminal-7 already exists',
    details: { field: 'id' },
  },
  key_not_found: {
    summary: 'No API key has this id',
    message: 'API key pos-terminal-9 does not exist',
  },
  webhook_not_found: {
    summary: 'No webhook endpoint has this id',
    message: 'Webhook 3f1c9a0e-6b7d-4c2a-9e51-2d8f0b7a6c14 does not exist',
  },
  delivery_not_found: {
    summary: 'The endpoint has no delivery with this id',
    message: 'Webhook 3f1c9a0e-6b7d-4c2a-9e51-2d8f0b7a6c14 has no delivery 812',
  },
  url_not_allowed: {
    summary: 'The URL points where webhooks may not go: a private, loopback or link-local address',
    message: 'Invalid request body: url: resolves to 10.0.0.7, a private address',
    details: { fields: { url: ['resolves to 10.0.0.7, a private address'] } },
  },
};

/** The body of an error response with this code, from an example. */
export function errorBody(
  code: ErrorCode,
  example: ErrorExample = ERROR_EXAMPLES[code],
): z.infer<typeof ErrorBodySchema> {
  return { error: { ...example.details, code, message: example.message } };
}

/** Headers that come with an error status: when to try again. */
const ERROR_HEADERS: Partial<Record<number, z.ZodObject>> = {
  429: z.object({
    'Retry-After': z.int().min(1).meta({
      description: 'Seconds until this credential and address may write again',
      example: 12,
    }),
  }),
  503: z.object({
    'Retry-After': z
      .int()
      .min(1)
      .meta({ description: 'Seconds to wait before a retry', example: 1 }),
  }),
};

/**
 * The error responses of an operation that can fail with these codes, one response per status with
 * an example per code; `overrides` replaces a code's example with one that fits the operation.
 * Every such operation also answers `not_ready` while the store waits for Redis or the database
 * (only `/health`, `/ready` and `/metrics` answer then).
 */
export function errorResponses(
  codes: readonly ErrorCode[],
  overrides: Partial<Record<ErrorCode, ErrorExample>> = {},
): Record<number, ResponseConfig> {
  const example = (c: ErrorCode) => overrides[c] ?? ERROR_EXAMPLES[c];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ERROR_CODES.NOT_READY])) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = ERROR_HEADERS[status];
    responses[status] = {
      description: group.map((c) => `\`${c}\`: ${example(c).summary}`).join('; '),
      ...(headers && { headers }),
      content: {
        'application/json': {
          schema: ErrorBodySchema,
          examples: Object.fromEntries(
            group.map((c) => [c, { summary: example(c).summary, value: errorBody(c, example(c)) }]),
          ),
        },
      },
    };
  }
  return responses;
}

/** Errors any operation that reads a JSON body can answer. */
export const BODY_ERRORS: readonly ErrorCode[] = [
  ERROR_CODES.VALIDATION_FAILED,
  ERROR_CODES.PAYLOAD_TOO_LARGE,
  ERROR_CODES.UNSUPPORTED_MEDIA_TYPE,
];

/** Errors of an operation that needs a credential: none or a bad one, too small a role, too many writes. */
const WRITE_ACCESS_ERRORS: readonly ErrorCode[] = [
  ERROR_CODES.UNAUTHORIZED,
  ERROR_CODES.FORBIDDEN,
  ERROR_CODES.RATE_LIMITED,
];

/** Errors of a read that needs a credential; reads are not rate-limited. */
export const READ_ACCESS_ERRORS: readonly ErrorCode[] = [
  ERROR_CODES.UNAUTHORIZED,
  ERROR_CODES.FORBIDDEN,
];

/** The 403 of an operation any role may call: a valid token that carries no Stockwire role. */
export const NO_ROLE: ErrorExample = {
  summary: 'The credential carries no Stockwire role',
  message: 'This credential carries no Stockwire role (app_metadata.stockwire_role)',
};

/** The 403 of an operation that needs more than `staff`, as `authorize` words it. */
export function roleTooSmall(action: Action): ErrorExample {
  return {
    summary: `Role staff may not ${action.replace('_', ' ')}; this needs ${REQUIRED_ROLE[action]}`,
    message: `Role staff may not ${action.replace('_', ' ')}`,
  };
}

/** Errors any operation that writes to the database can answer. */
const WRITE_ERRORS: readonly ErrorCode[] = [
  ERROR_CODES.DATABASE_UNAVAILABLE,
  ERROR_CODES.OUTCOME_UNKNOWN,
  ERROR_CODES.INTERNAL,
];

/**
 * The error responses of a write: its own `codes`, and what every write can answer besides: no
 * credential or a bad one, too small a role (`forbidden`, the example that fits the operation), too
 * many writes, and the database failing.
 */
export function writeErrorResponses(
  codes: readonly ErrorCode[],
  forbidden: ErrorExample,
  overrides: Partial<Record<ErrorCode, ErrorExample>> = {},
): Record<number, ResponseConfig> {
  return errorResponses([...codes, ...WRITE_ACCESS_ERRORS, ...WRITE_ERRORS], {
    ...overrides,
    forbidden,
  });
}

/** Every error code with its status and when it happens: the Markdown table in the document's `info`. */
export function errorTable(): string {
  const rows = Object.entries(HTTP_STATUS)
    .sort(([, a], [, b]) => a - b)
    .map(
      ([code, status]) =>
        `| ${status} | \`${code}\` | ${ERROR_EXAMPLES[code as ErrorCode].summary} |`,
    );
  return ['| status | code | when |', '| --- | --- | --- |', ...rows].join('\n');
}
