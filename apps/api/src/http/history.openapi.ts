import {
  AlertKindSchema,
  AlertsQuerySchema,
  ERROR_CODES,
  EventsQuerySchema,
  LocationSchema,
  LedgerTypeSchema,
  ProductIdSchema,
  type AlertsPage,
  type EventsPage,
} from '@stockwire/domain';
import { z } from 'zod';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_OPTIONAL, READ_NOTE } from './openapi.access.js';
import { errorResponses, NO_ROLE, READ_ACCESS_ERRORS } from './openapi.errors.js';
import { jsonResponse } from './openapi.responses.js';

const Count = z.number().int().nonnegative();

/** The `before` that fetches the next page; null on the last one. */
const NextCursor = z.number().int().positive().nullable();

/** A row of the ledger: one change to on-hand stock, and who made it. */
const ledgerRow = z.object({
  event_id: z.number().int().positive(),
  product_id: ProductIdSchema,
  location: LocationSchema,
  update_type: LedgerTypeSchema,
  change: z.number().int(),
  previous_quantity: Count,
  new_quantity: Count,
  version: z.number().int().positive(),
  store: z.string(),
  request_id: z.string().nullable(),
  actor: z.string().nullable().meta({
    description:
      '`key:<id>`, `user:<sub>`, `stream:…`, `system:…`, or `role:<database role>` for an `external` change',
  }),
  order_id: z.string().nullable(),
  reservation_id: z.string().nullable(),
  /** The transfer a `transfer_out`, `transfer_in` or `transfer_cancel` row is a step of. */
  transfer_id: z.string().nullable(),
  created_at: z.string(),
});

/** A low-stock crossing: available stock at a location fell below the threshold, or came back. */
const alertRow = z.object({
  alert_id: z.number().int().positive(),
  kind: AlertKindSchema,
  product_id: ProductIdSchema,
  name: z.string(),
  location: LocationSchema,
  available: z.number().int(),
  on_hand: Count,
  reserved: Count,
  threshold: Count,
  version: z.number().int().positive(),
  created_at: z.string(),
});

/** `GET /events` as clients read it (documentation; the rows come from the database). */
const eventsPage = component(
  'EventsPage',
  z.object({ events: z.array(ledgerRow), next_cursor: NextCursor }) satisfies z.ZodType<EventsPage>,
);

const alertsPage = component(
  'AlertsPage',
  z.object({ alerts: z.array(alertRow), next_cursor: NextCursor }) satisfies z.ZodType<AlertsPage>,
);

const EVENTS_EXAMPLE: EventsPage = {
  events: [
    {
      event_id: 412,
      product_id: 'OLJCESPC7Z',
      location: 'main-store',
      update_type: 'sale',
      change: -2,
      previous_quantity: 60,
      new_quantity: 58,
      version: 2,
      store: 'main-store',
      request_id: 'checkout-7f3a91',
      actor: 'key:dev-staff',
      order_id: null,
      reservation_id: null,
      transfer_id: null,
      created_at: '2026-11-23T12:01:13.874Z',
    },
  ],
  next_cursor: null,
};

const ALERTS_EXAMPLE: AlertsPage = {
  alerts: [
    {
      alert_id: 7,
      kind: 'low_stock',
      product_id: '1YMWWN1N4O',
      name: 'Watch',
      location: 'mall-store',
      available: 4,
      on_hand: 4,
      reserved: 0,
      threshold: 5,
      version: 9,
      created_at: '2026-11-23T12:03:41.120Z',
    },
  ],
  next_cursor: null,
};

const QUERY_ERRORS = [
  ...READ_ACCESS_ERRORS,
  ERROR_CODES.VALIDATION_FAILED,
  ERROR_CODES.DATABASE_UNAVAILABLE,
  ERROR_CODES.INTERNAL,
];
const BAD_QUERY = {
  validation_failed: {
    summary: 'A query parameter is malformed or unknown',
    message: 'Invalid query parameters: limit: Too big: expected number to be <=500',
    details: { fields: { limit: ['Too big: expected number to be <=500'] } },
  },
  forbidden: NO_ROLE,
};

/** `history.routes.ts` in the OpenAPI document. */
export const historyOpenApi: OpenApiContribution = (registry) => {
  for (const [path, operationId] of [
    ['/events', 'listEvents'],
    ['/inventory/events', 'listInventoryEvents'],
  ] as const) {
    registry.registerPath({
      method: 'get',
      path,
      operationId,
      tags: ['history'],
      summary: 'The stock-movement ledger, newest first',
      description: `Every change to on-hand stock, with who made it. Filter by product, location, update types (comma-separated) and time (\`since\` inclusive, \`until\` exclusive); page with \`before\` = the last page's \`next_cursor\`. Read from the database. ${READ_NOTE}`,
      security: CREDENTIAL_OPTIONAL,
      request: { query: EventsQuerySchema },
      responses: {
        200: jsonResponse('A page of ledger rows', eventsPage, { page: { value: EVENTS_EXAMPLE } }),
        ...errorResponses(QUERY_ERRORS, BAD_QUERY),
      },
    });
  }

  registry.registerPath({
    method: 'get',
    path: '/alerts',
    operationId: 'listAlerts',
    tags: ['history'],
    summary: 'Low-stock crossings, newest first',
    description: `One row each time available stock at a location fell below the product's \`low_stock_threshold\` (\`low_stock\`) or came back (\`back_in_stock\`). Filtered and paged like \`/events\`. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { query: AlertsQuerySchema },
    responses: {
      200: jsonResponse('A page of alerts', alertsPage, { page: { value: ALERTS_EXAMPLE } }),
      ...errorResponses(QUERY_ERRORS, BAD_QUERY),
    },
  });
};
