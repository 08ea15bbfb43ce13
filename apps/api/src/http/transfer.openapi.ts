import {
  CreateTransferRequestSchema,
  ERROR_CODES,
  ReceiveTransferBodySchema,
  TransferIdParamsSchema,
  TransferSchema,
  TransfersQuerySchema,
  type Transfer,
  type ErrorCode,
} from '@stockwire/domain';
import { z } from 'zod';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_OPTIONAL, CREDENTIAL_REQUIRED, READ_NOTE, roleNote } from './openapi.access.js';
import {
  BODY_ERRORS,
  errorResponses,
  NO_ROLE,
  READ_ACCESS_ERRORS,
  roleTooSmall,
  writeErrorResponses,
  type ErrorExample,
} from './openapi.errors.js';
import { IdempotentWriteHeaders, jsonBody, type RequestExamples } from './openapi.requests.js';
import { jsonResponse, ReplayHeaders } from './openapi.responses.js';

const transfer = component(
  'Transfer',
  TransferSchema.extend({
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  }),
  'One movement of stock between two locations. Every line keeps `quantity = received + cancelled + in_transit`; `status` is `in_transit` (nothing received yet), `partially_received`, `received` or `cancelled` (the last two are finished).',
);

const transferList = component(
  'TransferList',
  z.object({
    transfers: z.array(transfer),
    next_cursor: z.int().positive().nullable().meta({
      description:
        'Pass as `cursor` (with the same filters) for the next, older page; null on the last page',
    }),
  }),
  'Transfers, newest first.',
);

const createTransferRequest = component(
  'CreateTransferRequest',
  CreateTransferRequestSchema,
  'Where from, where to, and the lines (each product once). `transfer_id` is yours to choose, so that a retry finds the transfer it made; one is made for you when omitted.',
);

const receiveTransferRequest = component(
  'ReceiveTransferRequest',
  ReceiveTransferBodySchema,
  'What arrived, per line; no `lines` (or no body at all) receives everything still in transit.',
);

const TransferIdParams = TransferIdParamsSchema.extend({
  id: TransferIdParamsSchema.shape.id.meta({
    description: 'The transfer id',
    example: 'tr-2026-0042',
  }),
});

const SENT: Transfer = {
  transfer_id: 'tr-2026-0042',
  from: 'central-warehouse',
  to: 'mall-store',
  status: 'in_transit',
  receipts: 0,
  store: 'main-store',
  actor: 'key:staff',
  created_at: '2026-12-03T09:00:00.000+00:00',
  updated_at: '2026-12-03T09:00:00.000+00:00',
  lines: [
    { product_id: 'OLJCESPC7Z', quantity: 12, received: 0, cancelled: 0, in_transit: 12 },
    { product_id: '6E92ZMYYFZ', quantity: 4, received: 0, cancelled: 0, in_transit: 4 },
  ],
};
const PART: Transfer = {
  ...SENT,
  status: 'partially_received',
  receipts: 1,
  updated_at: '2026-12-03T15:20:00.000+00:00',
  lines: [
    { product_id: 'OLJCESPC7Z', quantity: 12, received: 10, cancelled: 0, in_transit: 2 },
    { product_id: '6E92ZMYYFZ', quantity: 4, received: 4, cancelled: 0, in_transit: 0 },
  ],
};
const CANCELLED: Transfer = {
  ...PART,
  status: 'cancelled',
  updated_at: '2026-12-04T08:00:00.000+00:00',
  lines: [
    { product_id: 'OLJCESPC7Z', quantity: 12, received: 10, cancelled: 2, in_transit: 0 },
    { product_id: '6E92ZMYYFZ', quantity: 4, received: 4, cancelled: 0, in_transit: 0 },
  ],
};

const CREATE_EXAMPLES: RequestExamples<typeof createTransferRequest> = {
  store_to_store: {
    summary: 'Two Sunglasses from main-store to downtown-store',
    value: {
      from: 'main-store',
      to: 'downtown-store',
      lines: [{ product_id: 'OLJCESPC7Z', quantity: 2 }],
    },
  },
};

const RECEIVE_EXAMPLES: RequestExamples<typeof receiveTransferRequest> = {
  part: {
    summary: 'One Sunglasses arrived; the rest stays in transit',
    value: { lines: [{ product_id: 'OLJCESPC7Z', quantity: 1 }] },
  },
  everything: { summary: 'Everything still in transit arrived', value: {} },
};

const SHORT_LINE: ErrorExample = {
  summary:
    'A line is more than is available at `from` (on hand less what is reserved); nothing was taken',
  message: 'Not enough 6E92ZMYYFZ at central-warehouse: 3 available',
  details: {
    field: 'lines.1',
    product_id: '6E92ZMYYFZ',
    available_stock: 3,
    warehouse: 'central-warehouse',
  },
};
const UNKNOWN_PRODUCT: ErrorExample = {
  summary: 'A line names no product; nothing was taken',
  message: 'Product NOSUCHPROD does not exist',
  details: { field: 'lines.0', product_id: 'NOSUCHPROD' },
};
const UNKNOWN_PLACE: ErrorExample = {
  summary: '`from` or `to` names no location; nothing was taken',
  message: 'Location mian-store does not exist',
  details: { field: 'to', location: 'mian-store' },
};
const INACTIVE_PLACE: ErrorExample = {
  summary: '`from` or `to` is inactive; nothing was taken',
  message: 'Location mall-store is inactive',
  details: { field: 'to', location: 'mall-store' },
};
const SAME_PLACE: ErrorExample = {
  summary: 'A field is missing or malformed, or `to` is `from`',
  message: 'Invalid request body: to: must differ from from',
  details: { fields: { to: ['must differ from from'] } },
};

const STEP = roleNote({ 'create a transfer': 'transfer' });
const RECEIVE = roleNote({ 'receive a transfer': 'receive_transfer' });
const CANCEL = roleNote({ 'cancel a transfer': 'cancel_transfer' });

const LOCATION_CODES: readonly ErrorCode[] = [
  ERROR_CODES.LOCATION_NOT_FOUND,
  ERROR_CODES.LOCATION_INACTIVE,
];
const TRANSFER_CODES: readonly ErrorCode[] = [
  ERROR_CODES.TRANSFER_NOT_FOUND,
  ERROR_CODES.TRANSFER_FINISHED,
];

/** `transfer.routes.ts` in the OpenAPI document. */
export const transferOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/transfers',
    operationId: 'listTransfers',
    tags: ['transfers'],
    summary: 'Transfers, newest first',
    description: `Filter by \`status\`, by \`location\` (either end), \`from\` or \`to\`; page with \`cursor\` = the last page's \`next_cursor\`. Read from the database. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { query: TransfersQuerySchema },
    responses: {
      200: jsonResponse('A page of transfers', transferList, {
        page: { value: { transfers: [PART], next_cursor: null } },
      }),
      ...errorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ...READ_ACCESS_ERRORS,
          ERROR_CODES.DATABASE_UNAVAILABLE,
          ERROR_CODES.INTERNAL,
        ],
        {
          forbidden: NO_ROLE,
        },
      ),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/transfers/{id}',
    operationId: 'getTransfer',
    tags: ['transfers'],
    summary: 'One transfer',
    description: `Read from the database. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { params: TransferIdParams },
    responses: {
      200: jsonResponse('The transfer', transfer, { in_transit: { value: SENT } }),
      ...errorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ...READ_ACCESS_ERRORS,
          ERROR_CODES.TRANSFER_NOT_FOUND,
          ERROR_CODES.DATABASE_UNAVAILABLE,
          ERROR_CODES.INTERNAL,
        ],
        { forbidden: NO_ROLE },
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/transfers',
    operationId: 'createTransfer',
    tags: ['transfers'],
    summary: 'Send stock from one location to another',
    description: [
      'Every line is taken out of `from` in one transaction, guarded like a sale (never below what is reserved there), or none is; the units are then in transit to `to` (its `in_transit`, in every product view), not on hand anywhere. Ledger rows `transfer_out` at `from` carry the transfer id; every store and its clients see the change at once.',
      'A `transfer_id` made before is answered 200 with that transfer and nothing more is taken, if `from`, `to` and `lines` are the same; with others, 409 `transfer_exists`.',
      STEP,
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: {
      headers: IdempotentWriteHeaders,
      body: jsonBody(createTransferRequest, CREATE_EXAMPLES),
    },
    responses: {
      201: {
        ...jsonResponse('Sent: every line is in transit', transfer, { sent: { value: SENT } }),
        headers: ReplayHeaders,
      },
      200: {
        ...jsonResponse(
          'This transfer_id was made before with the same body; nothing more was taken',
          transfer,
          {
            retried: { value: SENT },
          },
        ),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
          ERROR_CODES.PRODUCT_NOT_FOUND,
          ...LOCATION_CODES,
          ERROR_CODES.INSUFFICIENT_STOCK,
          ERROR_CODES.QUANTITY_OUT_OF_RANGE,
          ERROR_CODES.TRANSFER_EXISTS,
        ],
        NO_ROLE,
        {
          validation_failed: SAME_PLACE,
          insufficient_stock: SHORT_LINE,
          product_not_found: UNKNOWN_PRODUCT,
          location_not_found: UNKNOWN_PLACE,
          location_inactive: INACTIVE_PLACE,
        },
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/transfers/{id}/receive',
    operationId: 'receiveTransfer',
    tags: ['transfers'],
    summary: 'Receive what of a transfer arrived',
    description: [
      'On hand at `to` gains what arrived (ledger rows `transfer_in`), and its in transit loses it; what did not arrive stays in transit, for a later receipt or a cancel. All lines or none.',
      RECEIVE,
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: {
      params: TransferIdParams,
      headers: IdempotentWriteHeaders,
      body: { ...jsonBody(receiveTransferRequest, RECEIVE_EXAMPLES), required: false },
    },
    responses: {
      200: {
        ...jsonResponse('Received', transfer, { part: { value: PART } }),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
          ...TRANSFER_CODES,
          ERROR_CODES.TRANSFER_LINE_NOT_FOUND,
          ERROR_CODES.TRANSFER_QUANTITY_EXCEEDED,
          ...LOCATION_CODES,
        ],
        NO_ROLE,
        {
          location_inactive: {
            ...INACTIVE_PLACE,
            summary: '`to` is inactive; nothing was received',
          },
        },
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/transfers/{id}/cancel',
    operationId: 'cancelTransfer',
    tags: ['transfers'],
    summary: 'Cancel a transfer: what is in transit goes back',
    description: [
      'What is still in transit goes back on hand at `from` (ledger rows `transfer_cancel`) and off in transit at `to`; what was received stays received.',
      CANCEL,
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: { params: TransferIdParams, headers: IdempotentWriteHeaders },
    responses: {
      200: {
        ...jsonResponse('Cancelled', transfer, { cancelled: { value: CANCELLED } }),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
          ...TRANSFER_CODES,
          ...LOCATION_CODES,
        ],
        roleTooSmall('cancel_transfer'),
        {
          location_inactive: {
            ...INACTIVE_PLACE,
            summary: '`from` is inactive; nothing was returned',
            details: { field: 'from', location: 'central-warehouse' },
            message: 'Location central-warehouse is inactive',
          },
        },
      ),
    },
  });
};
