import {
  CountRequestSchema,
  ERROR_CODES,
  LocationSchema,
  ProductIdSchema,
  type CountResponse,
} from '@stockwire/domain';
import { z } from 'zod';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_OPTIONAL, CREDENTIAL_REQUIRED, READ_NOTE, roleNote } from './openapi.access.js';
import {
  BODY_ERRORS,
  errorResponses,
  NO_ROLE,
  READ_ACCESS_ERRORS,
  writeErrorResponses,
} from './openapi.errors.js';
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

const CSV_EXAMPLE =
  'product_id,counted,reserved,available,name\r\nOLJCESPC7Z,58,0,58,Sunglasses\r\n6E92ZMYYFZ,40,2,38,Mug\r\n';

/** `counts.routes.ts` in the OpenAPI document. */
export const countsOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/inventory.csv',
    operationId: 'exportInventoryCsv',
    tags: ['inventory'],
    summary: "A location's stock as CSV, in the shape a count takes",
    description: `\`product_id,counted\` first (counted = on hand now), then \`reserved,available,name\`: edit the counted column and send the file back to \`POST /counts\` (\`Content-Type: text/csv\`, \`?location=\`) to record a count; the extra columns are ignored there. From this store's cache; only products stocked at the location. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { query: z.object({ location: LocationSchema.meta({ example: 'main-store' }) }) },
    responses: {
      200: {
        description: 'One row per product stocked at the location',
        content: {
          'text/csv': {
            schema: z.string(),
            examples: { export: { summary: 'Two products at main-store', value: CSV_EXAMPLE } },
          },
        },
      },
      ...errorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ...READ_ACCESS_ERRORS,
          ERROR_CODES.INTERNAL,
        ],
        {
          forbidden: NO_ROLE,
        },
      ),
    },
  });

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
    request: {
      headers: IdempotentWriteHeaders,
      query: z.object({
        location: LocationSchema.optional().meta({
          description: 'With a CSV body only: the location counted',
          example: 'main-store',
        }),
        count_id: z.string().optional().meta({ description: 'With a CSV body only' }),
        all_or_nothing: z.enum(['true', 'false']).optional().meta({
          description: 'With a CSV body only (default true)',
        }),
      }),
      body: {
        ...jsonBody(countRequest, COUNT_EXAMPLES),
        content: {
          ...jsonBody(countRequest, COUNT_EXAMPLES).content,
          'text/csv': {
            schema: z.string().meta({
              description:
                'A header `product_id,counted` (more columns may follow and are ignored), then one product a row. A bad row is a 400 naming its row and column (`row 3, column counted`).',
            }),
            examples: {
              csv: {
                summary: 'Two products counted',
                value: 'product_id,counted\r\nOLJCESPC7Z,57\r\n6E92ZMYYFZ,40\r\n',
              },
            },
          },
        },
      },
    },
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
