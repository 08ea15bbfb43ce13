import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  zodToOpenAPIRegistry,
  type ResponseConfig,
} from '@asteasolutions/zod-to-openapi';
import {
  ERROR_CODES,
  IdempotencyKeySchema,
  REQUIRED_ROLE,
  type Action,
  type ErrorCode,
  type Role,
  type StoreName,
} from '@stockwire/domain';
import { z } from 'zod';
import { HTTP_STATUS } from './error.reply.js';

/** The OpenAPI document as served at `GET /openapi.json`. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/**
 * What a routes file adds to the document: it registers its operations (`registry.registerPath`),
 * with the same domain schemas its handlers validate with. Listed in `api.openapi.ts`.
 */
export type OpenApiContribution = (registry: OpenAPIRegistry) => void;

/**
 * Names a schema as a component of the document (`#/components/schemas/<name>`), so every operation
 * that uses it, directly or nested, refers to it. The schema itself is named, not a copy: the domain
 * schemas that validate requests are the ones documented.
 */
export function component<T extends z.ZodType>(name: string, schema: T, description?: string): T {
  // The generator's own metadata store; `.openapi()` would need zod's prototype patched before the
  // domain's schemas are created.
  zodToOpenAPIRegistry.add(schema, {
    ...zodToOpenAPIRegistry.get(schema),
    ...(description === undefined ? {} : { description }),
    _internal: { refId: name },
  });
  return schema;
}

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
  insufficient_stock: {
    summary: 'The change would take more than is available; nothing was written',
    message: 'Not enough stock of OLJCESPC7Z at main-store: 1 available',
    details: { available_stock: 1, warehouse: 'main-store' },
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
};

const CODES = Object.values(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The body of every error response. */
export const ErrorBodySchema = component(
  'Error',
  z.object({
    error: z
      .object({
        code: z.enum(CODES),
        message: z.string(),
        fields: z
          .record(z.string(), z.array(z.string()))
          .optional()
          .meta({ description: 'Each bad field with its messages (`body` for the whole body)' }),
      })
      .catchall(z.unknown())
      .meta({ description: 'Further details depend on the code, e.g. `available_stock`' }),
  }),
);

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
 */
export function errorResponses(
  codes: readonly ErrorCode[],
  overrides: Partial<Record<ErrorCode, ErrorExample>> = {},
): Record<number, ResponseConfig> {
  const example = (c: ErrorCode) => overrides[c] ?? ERROR_EXAMPLES[c];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
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
export const WRITE_ACCESS_ERRORS: readonly ErrorCode[] = [
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
export const WRITE_ERRORS: readonly ErrorCode[] = [
  ERROR_CODES.DATABASE_UNAVAILABLE,
  ERROR_CODES.INTERNAL,
];

/** A JSON response with a schema and named examples. */
export function jsonResponse(
  description: string,
  schema: z.ZodType,
  examples: Record<string, { summary?: string; value: unknown }>,
): ResponseConfig {
  return { description, content: { 'application/json': { schema, examples } } };
}

/** The optional `X-Request-Id` header that writes record in the ledger. */
export const RequestIdHeaders = z.object({
  'x-request-id': z
    .string()
    .regex(/^[\w.:-]{1,128}$/)
    .optional()
    .meta({
      description:
        'Recorded in the ledger with the change; one is generated when absent or malformed.',
      example: 'checkout-7f3a91',
    }),
});

/** The name of the one security scheme in `#/components/securitySchemes`. */
export const BEARER = 'bearer';

type Security = Record<string, string[]>[];

/** `security` of an operation that needs a credential. */
export const CREDENTIAL_REQUIRED: Security = [{ [BEARER]: [] }];

/**
 * The sentence an operation's description ends with: which role each of its actions needs, as
 * `REQUIRED_ROLE` says. `actions` maps what the caller does (e.g. an update type) to its action.
 */
export function roleNote(actions: Record<string, Action>): string {
  const byRole = new Map<Role, string[]>();
  for (const [label, action] of Object.entries(actions)) {
    const role = REQUIRED_ROLE[action];
    byRole.set(role, [...(byRole.get(role) ?? []), `\`${label}\``]);
  }
  const roles = [...byRole].map(([role, labels]) =>
    byRole.size === 1 ? `\`${role}\`` : `\`${role}\` for ${labels.join(', ')}`,
  );
  const staffToo = byRole.has('staff') ? '; `admin` may do all that `staff` may' : '';
  return `**Needs a credential** (\`Authorization: Bearer …\`) with role ${roles.join('; ')}${staffToo}.`;
}

/** A read's note on access, for stores that keep reads private. */
export const READ_NOTE =
  'Public, unless the store runs with `READS_PUBLIC=false`: then it needs a credential of any role.';

/** The optional `Idempotency-Key` header of the writes that honour it, with `X-Request-Id`. */
export const IdempotentWriteHeaders = RequestIdHeaders.extend({
  // No example: "Try it out" would fill it in, and every second try would be a replay.
  'Idempotency-Key': IdempotencyKeySchema.optional().meta({
    description:
      'Makes the write safe to retry, at any store: a retry with the same key and body gets the first response again (with `Idempotent-Replayed: true`) and changes nothing; the same key with another body is refused with 422. Printable ASCII, up to 255 characters, e.g. one UUID per checkout step, sent again with each retry of it; kept for a day.',
  }),
});

/** Response headers of a write that honours `Idempotency-Key`. */
export const ReplayHeaders = z.object({
  'Idempotent-Replayed': z
    .literal('true')
    .optional()
    .meta({ description: 'Set when this is a replay: the first response to this key, again' }),
});

/** What each role may do, from `REQUIRED_ROLE`: `admin` may do all that `staff` may, and more. */
function rolesText(): string {
  const words = (role: Role) =>
    Object.entries(REQUIRED_ROLE)
      .filter(([, r]) => r === role)
      .map(([action]) => action.replace('_', ' '))
      .join(', ');
  return `\`staff\` may ${words('staff')}; \`admin\` may also ${words('admin')}.`;
}

const BEARER_DESCRIPTION = [
  '`Authorization: Bearer <API key or Supabase Auth JWT with app_metadata.stockwire_role>`.',
  "API keys come from the store's configuration (`API_KEYS`) or from `POST /keys`. A Supabase Auth JWT counts when the store knows the project's JWT secret; its role is `app_metadata.stockwire_role`.",
  rolesText(),
].join(' ');

function errorTable(): string {
  const rows = Object.entries(HTTP_STATUS)
    .sort(([, a], [, b]) => a - b)
    .map(
      ([code, status]) =>
        `| ${status} | \`${code}\` | ${ERROR_EXAMPLES[code as ErrorCode].summary} |`,
    );
  return ['| status | code | when |', '| --- | --- | --- |', ...rows].join('\n');
}

/**
 * Builds the OpenAPI 3.1 document of a store from the contributions of its routes files. Its only
 * server is relative, so "Try it out" in the docs page calls the store that served the page.
 */
export function buildOpenApiDocument(
  contributions: readonly OpenApiContribution[],
  store: StoreName,
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    description: BEARER_DESCRIPTION,
  });
  for (const contribute of contributions) contribute(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Stockwire',
      version: '1.0.0',
      description: [
        `Real-time inventory for a chain of stores. This is **${store}**; every store serves the same API over one shared truth, and a change made at any store shows at every other within milliseconds (Socket.IO \`update\` events, or \`/ws\`).`,
        'JSON in and out, snake_case. Reads are public (unless the store runs with `READS_PUBLIC=false`); every write needs a credential (**Authorize** above takes an API key or a Supabase Auth JWT) whose role allows it: each operation says which.',
        'Errors always have the shape `{"error": {"code", "message", ...}}`:',
        errorTable(),
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: `this store (${store})` }],
  });
}
