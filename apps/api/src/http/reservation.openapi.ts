import {
  ERROR_CODES,
  LocationSchema,
  ProductIdSchema,
  ReservationIdParamsSchema,
  ReserveRequestSchema,
} from '@stockwire/domain';
import { z } from 'zod';
import type { ReservationReceipt, ReservationView } from '../inventory/reservation.service.js';
import { component, ErrorBodySchema, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_OPTIONAL, CREDENTIAL_REQUIRED, READ_NOTE, roleNote } from './openapi.access.js';
import {
  BODY_ERRORS,
  errorBody,
  errorResponses,
  NO_ROLE,
  READ_ACCESS_ERRORS,
  writeErrorResponses,
  type ErrorExample,
} from './openapi.errors.js';
import {
  IdempotentWriteHeaders,
  jsonBody,
  ProductIdParams,
  type RequestExamples,
} from './openapi.requests.js';
import { jsonResponse, ReplayHeaders } from './openapi.responses.js';

const Timestamp = z.iso.datetime({ offset: true });
const Quantity = z.int().min(1);

const reserveRequest = component(
  'ReserveRequest',
  ReserveRequestSchema,
  "`warehouse` defaults to the store that receives the request, `ttl_seconds` to the store's `RESERVATION_TTL_SECONDS` (600). A Socket.IO client connected with the same `client_id` hears `reservation_expired` when the hold runs out.",
);

const reservationReceipt = component(
  'ReservationReceipt',
  z.object({
    success: z.literal(true),
    reservation_id: z.uuid(),
    product_id: ProductIdSchema,
    warehouse: LocationSchema,
    quantity: Quantity,
    expires_at: Timestamp,
    available_stock: z
      .int()
      .min(0)
      .meta({ description: 'Available at the warehouse, after the hold' }),
  }) satisfies z.ZodType<ReservationReceipt>,
  'A hold placed: its units count against available stock until committed, released or expired.',
);

const reservationView = component(
  'Reservation',
  z.object({
    reservation_id: z.uuid(),
    product_id: ProductIdSchema,
    warehouse: LocationSchema,
    quantity: Quantity,
    status: z.enum(['held', 'committed', 'released', 'expired']),
    expires_at: Timestamp,
    client_id: z.string().nullable(),
    order_id: z.string().nullable(),
    store: LocationSchema.meta({ description: 'The store that placed the hold' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  }) satisfies z.ZodType<ReservationView>,
  'A hold and what became of it.',
);

/** The refusal the checkout clients of the service Stockwire replaces read: `success`, `available_stock`. */
const reservationRefusal = component(
  'ReservationRefusal',
  z.object({
    success: z.literal(false),
    message: z.string(),
    available_stock: z.int().min(0),
    error: ErrorBodySchema.shape.error,
  }),
  'Not enough available stock: nothing was held. `error` is the usual error object.',
);

const RESERVATION_ID = '8b7f1a52-5c1e-4c4e-9d55-0d6f4f2a1b3c';

const ReservationIdParams = ReservationIdParamsSchema.extend({
  id: ReservationIdParamsSchema.shape.id.meta({
    description: 'The `reservation_id` that `POST /inventory/{product_id}/reserve` answered',
    example: RESERVATION_ID,
  }),
});

const RESERVE_EXAMPLES: RequestExamples<typeof reserveRequest> = {
  checkout: {
    summary: 'Hold 2 here for 15 minutes; tell client checkout-42 if the hold runs out',
    value: { quantity: 2, ttl_seconds: 900, client_id: 'checkout-42' },
  },
  elsewhere: {
    summary: 'Hold 1 at downtown-store for the default time',
    value: { quantity: 1, warehouse: 'downtown-store' },
  },
};

const RECEIPT_EXAMPLE: ReservationReceipt = {
  success: true,
  reservation_id: RESERVATION_ID,
  product_id: 'OLJCESPC7Z',
  warehouse: 'main-store',
  quantity: 2,
  expires_at: '2026-11-23T12:16:13.874+00:00',
  available_stock: 56,
};

const HELD_EXAMPLE: ReservationView = {
  reservation_id: RESERVATION_ID,
  product_id: 'OLJCESPC7Z',
  warehouse: 'main-store',
  quantity: 2,
  status: 'held',
  expires_at: '2026-11-23T12:16:13.874+00:00',
  client_id: 'checkout-42',
  order_id: null,
  store: 'main-store',
  created_at: '2026-11-23T12:01:13.874+00:00',
  updated_at: '2026-11-23T12:01:13.874+00:00',
};

const FINISHED_AT = '2026-11-23T12:03:40.512+00:00';

const REFUSAL_EXAMPLE: z.infer<typeof reservationRefusal> = {
  success: false,
  message: 'Not enough stock of OLJCESPC7Z at main-store: 1 available',
  available_stock: 1,
  error: {
    code: ERROR_CODES.INSUFFICIENT_STOCK,
    message: 'Not enough stock of OLJCESPC7Z at main-store: 1 available',
    available_stock: 1,
    warehouse: 'main-store',
  },
};

const BAD_RESERVATION_ID: ErrorExample = {
  summary: 'The reservation id is not a UUID',
  message: 'Invalid path: id: Invalid UUID',
  details: { fields: { id: ['Invalid UUID'] } },
};

/** The errors of commit and release: the hold must exist and still be held. */
const FINISH_ERRORS = [
  ERROR_CODES.VALIDATION_FAILED,
  ERROR_CODES.RESERVATION_NOT_FOUND,
  ERROR_CODES.RESERVATION_COMMITTED,
  ERROR_CODES.RESERVATION_RELEASED,
  ERROR_CODES.RESERVATION_EXPIRED,
  ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
];

/** Commit and release: the two ways a caller ends a hold, documented alike but for these words. */
const FINISHES = [
  {
    verb: 'commit',
    operationId: 'commitReservation',
    summary: 'Turn a hold into a sale',
    description:
      'Takes the held units off the shelf: one `sale` in the ledger, published to every store. A hold that was released or has expired cannot be committed.',
    status: 'committed',
  },
  {
    verb: 'release',
    operationId: 'releaseReservation',
    summary: 'Give the held units back',
    description:
      'The units are available again at once, at every store. A hold that was committed or has expired cannot be released.',
    status: 'released',
  },
] as const;

/** `reservation.routes.ts` in the OpenAPI document. */
export const reservationOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'post',
    path: '/inventory/{product_id}/reserve',
    operationId: 'reserveStock',
    tags: ['checkout'],
    summary: 'Hold units during checkout',
    description: [
      'The units count against available stock at once, at every store, until the hold is committed (a sale), released, or expires. Refused (409) when fewer are available; nothing is held then.',
      roleNote({ 'hold stock': 'reserve' }),
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: {
      params: ProductIdParams,
      headers: IdempotentWriteHeaders,
      body: jsonBody(reserveRequest, RESERVE_EXAMPLES),
    },
    responses: {
      201: {
        ...jsonResponse('The hold', reservationReceipt, { held: { value: RECEIPT_EXAMPLE } }),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.PRODUCT_NOT_FOUND,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ERROR_CODES.LOCATION_INACTIVE,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
        ],
        NO_ROLE,
      ),
      409: jsonResponse(
        '`insufficient_stock`: fewer units are available than asked for; `location_inactive`: the location takes no writes. Nothing was held',
        z.union([reservationRefusal, ErrorBodySchema]),
        {
          insufficient_stock: { value: REFUSAL_EXAMPLE },
          location_inactive: {
            value: errorBody(ERROR_CODES.LOCATION_INACTIVE),
          },
        },
      ),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/reservations/{id}',
    operationId: 'getReservation',
    tags: ['checkout'],
    summary: 'A hold',
    description: `\`status\` is \`held\`, \`committed\`, \`released\` or \`expired\`; an expired hold's units are available again. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { params: ReservationIdParams },
    responses: {
      200: jsonResponse('The hold', reservationView, {
        held: { value: HELD_EXAMPLE },
        expired: {
          summary: 'Its time ran out',
          value: { ...HELD_EXAMPLE, status: 'expired', updated_at: HELD_EXAMPLE.expires_at },
        },
      }),
      ...errorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ...READ_ACCESS_ERRORS,
          ERROR_CODES.RESERVATION_NOT_FOUND,
          ERROR_CODES.DATABASE_UNAVAILABLE,
          ERROR_CODES.INTERNAL,
        ],
        { validation_failed: BAD_RESERVATION_ID, forbidden: NO_ROLE },
      ),
    },
  });

  for (const finish of FINISHES) {
    const roles = roleNote({ [`${finish.verb} a hold`]: 'reserve' });
    registry.registerPath({
      method: 'post',
      path: `/reservations/{id}/${finish.verb}`,
      operationId: finish.operationId,
      tags: ['checkout'],
      summary: finish.summary,
      description: `${finish.description}\n\n${roles}`,
      security: CREDENTIAL_REQUIRED,
      request: { params: ReservationIdParams, headers: IdempotentWriteHeaders },
      responses: {
        200: {
          ...jsonResponse(`The hold, now ${finish.status}`, reservationView, {
            [finish.status]: {
              value: { ...HELD_EXAMPLE, status: finish.status, updated_at: FINISHED_AT },
            },
          }),
          headers: ReplayHeaders,
        },
        ...writeErrorResponses(FINISH_ERRORS, NO_ROLE, { validation_failed: BAD_RESERVATION_ID }),
      },
    });
  }
};
