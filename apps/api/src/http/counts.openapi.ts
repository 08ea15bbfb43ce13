import {
  CountRequestSchema,
  ERROR_CODES,
  LocationSchema,
  ProductIdSchema,
  type CountResponse,
} from '@stockwire/domain';
import { z } from 'zod';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_REQUIRED, roleNote } from './openapi.access.js';
import { BODY_ERRORS, NO_ROLE, writeErrorResponses } from './openapi.errors.js';
import { IdempotentWriteHeaders, jsonBody, type RequestExamples } from './openapi.requests.js';
import { jsonResponse, ReplayHeaders } from './openapi.responses.js';

const countRequest = component(
  'CountRequest',
  CountRequestSchema,
  'What was counted on the shelves of one location. `all_or_nothing` (default true): a refused line refuses the whole count; false: the other lines are applied and the refused ones reported.',
);

const base = {
  index: z.number().int(),
  product_id: ProductIdSchema,
  counted: z.number().int(),
};
const countResponse = component(
  'CountResponse',
  z.object({
    count_id: z.string(),
    location: LocationSchema,
    all_or_nothing: z.boolean(),
    duplicate: z.boolean(),
    lines: z.array(
      z.union([
        z.object({
          ...base,
          previous_on_hand: z.number().int(),
          variance: z.number().int(),
          event_id: z.number().int().nullable(),
        }),
        z.object({
          ...base,
          code: z.enum(['count_below_reserved', 'product_not_found']),
          reserved: z.number().int(),
          error: z.object({ code: z.string(), message: z.string() }),
        }),
      ]),
    ),
  }),
  'Per line: on hand before (`previous_on_hand`), `counted`, `variance` and its adjustment ledger row (`event_id`, null when the variance is 0), or why the line was refused.',
);

const COUNT_EXAMPLES: RequestExamples<typeof countRequest> = {
  shelf: {
    summary: 'Two products counted at main-store',
    value: {
      location: 'main-store',
      lines: [
        { product_id: 'OLJCESPC7Z', counted: 57 },
        { product_id: '6E92ZMYYFZ', counted: 40 },
      ],
    },
  },
  partial: {
    summary: 'Apply what can be applied, with a count id of your own',
    value: {
      count_id: 'stocktake-2026-12-03-main',
      location: 'main-store',
      all_or_nothing: false,
      lines: [{ product_id: 'OLJCESPC7Z', counted: 57 }],
    },
  },
};

const COUNTED: CountResponse = {
  count_id: 'stocktake-2026-12-03-main',
  location: 'main-store',
  all_or_nothing: false,
  duplicate: false,
  lines: [
    {
      index: 0,
      product_id: 'OLJCESPC7Z',
      counted: 57,
      previous_on_hand: 58,
      variance: -1,
      event_id: 412,
    },
    {
      index: 1,
      product_id: '6E92ZMYYFZ',
      counted: 1,
      code: 'count_below_reserved',
      reserved: 2,
      error: {
        code: 'count_below_reserved',
        message: '6E92ZMYYFZ counted 1 at main-store, below the 2 reserved',
      },
    },
  ],
};

/** `counts.routes.ts` in the OpenAPI document. */
export const countsOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'post',
    path: '/counts',
    operationId: 'recordCount',
    tags: ['inventory'],
    summary: 'Record a stocktake: on hand becomes what was counted',
    description: [
      'In one transaction, each line locks its stock row and sets on hand to `counted`; the variance from on hand at that moment is an `adjustment` ledger row carrying the `count_id` (none when it is 0). A sale committed after the count is taken from the counted units. A count below what checkouts hold there is refused for that line (`count_below_reserved`). Published like any change. Each `count_id` (generated when omitted) is applied at most once: sent again, it is answered 200 with the first answer and nothing more is applied; `Idempotency-Key` makes a retry without one safe.',
      roleNote({ count: 'count' }),
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: { headers: IdempotentWriteHeaders, body: jsonBody(countRequest, COUNT_EXAMPLES) },
    responses: {
      201: {
        ...jsonResponse('Recorded', countResponse, { counted: { value: COUNTED } }),
        headers: ReplayHeaders,
      },
      200: {
        ...jsonResponse(
          'This count_id was recorded before; nothing more was applied',
          countResponse,
          {
            duplicate: { value: { ...COUNTED, duplicate: true } },
          },
        ),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ERROR_CODES.PRODUCT_NOT_FOUND,
          ERROR_CODES.LOCATION_INACTIVE,
          ERROR_CODES.COUNT_BELOW_RESERVED,
        ],
        NO_ROLE,
      ),
    },
  });
};
