import {
  ERROR_CODES,
  LocationSchema,
  OrderRequestSchema,
  ProductIdSchema,
  SingleLineOrderSchema,
  type OrderResponse,
} from '@stockwire/domain';
import { z } from 'zod';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_REQUIRED, roleNote } from './openapi.access.js';
import { BODY_ERRORS, NO_ROLE, writeErrorResponses } from './openapi.errors.js';
import { IdempotentWriteHeaders, jsonBody, type RequestExamples } from './openapi.requests.js';
import { jsonResponse, ReplayHeaders } from './openapi.responses.js';

const orderRequest = component(
  'OrderRequest',
  OrderRequestSchema,
  'An order of one or more lines; `warehouse` defaults to the store that receives it. A numeric `order_id` is taken as text.',
);
const singleLineOrder = component(
  'SingleLineOrder',
  SingleLineOrderSchema,
  'The single-line form the order queues of earlier services send; the same as `lines` with one line.',
);

/** Why an order was refused: the first line that could not be taken. */
const REFUSALS = [
  ERROR_CODES.INSUFFICIENT_STOCK,
  ERROR_CODES.PRODUCT_NOT_FOUND,
  ERROR_CODES.LOCATION_NOT_FOUND,
  ERROR_CODES.LOCATION_INACTIVE,
] as const;

const orderData = z
  .object({
    order_id: z.string(),
    lines: z.array(
      z.object({
        product_id: ProductIdSchema,
        quantity: z.int().min(1),
        warehouse: LocationSchema,
      }),
    ),
    duplicate: z
      .boolean()
      .optional()
      .meta({ description: 'The order_id had been applied before; nothing more was taken' }),
    failed_line: z
      .object({
        index: z.int().min(0).meta({ description: 'Its position in `lines`, from 0' }),
        product_id: ProductIdSchema,
        location: LocationSchema,
        available: z.int().min(0),
      })
      .optional(),
    code: z.enum(REFUSALS).optional(),
  })
  .meta({ description: 'The order as applied (each line with its warehouse), or why it was not' });

const orderResponse = component(
  'OrderResponse',
  z.object({
    order_id: z.string(),
    success: z.literal(true),
    message: z.string(),
    order_data: orderData,
  }) satisfies z.ZodType<OrderResponse>,
  'As on the `order_validate_response` stream.',
);

const orderRefusal = component(
  'OrderRefusal',
  z.object({
    order_id: z.string(),
    success: z.literal(false),
    message: z.string(),
    order_data: orderData,
    error: z.object({ code: z.enum(REFUSALS), message: z.string() }),
  }) satisfies z.ZodType<OrderResponse>,
  'Nothing was taken for any line. `error` is the usual error object.',
);

const ORDER_EXAMPLES: RequestExamples<typeof orderRequest> = {
  lines: {
    summary: 'Two lines: 2 here, 1 at downtown-store',
    value: {
      order_id: 'A-2001',
      lines: [
        { product_id: 'OLJCESPC7Z', quantity: 2 },
        { product_id: '6E92ZMYYFZ', quantity: 1, warehouse: 'downtown-store' },
      ],
    },
  },
};
const SINGLE_LINE_EXAMPLES: RequestExamples<typeof singleLineOrder> = {
  single_line: {
    summary: 'The single-line form',
    value: { order_id: 'A-2002', product_id: 'OLJCESPC7Z', quantity: 2, warehouse: 'main-store' },
  },
};

const ACCEPTED: z.infer<typeof orderResponse> = {
  order_id: 'A-2001',
  success: true,
  message: 'Order A-2001 accepted: stock taken for 2 line(s)',
  order_data: {
    order_id: 'A-2001',
    lines: [
      { product_id: 'OLJCESPC7Z', quantity: 2, warehouse: 'main-store' },
      { product_id: '6E92ZMYYFZ', quantity: 1, warehouse: 'downtown-store' },
    ],
    duplicate: false,
  },
};

type Refusal = z.infer<typeof orderRefusal>;

/** A refused order as the service answers it: its code and message also in the usual `error`. */
function refusal(
  order_data: Refusal['order_data'] & { code: Refusal['error']['code'] },
  message: string,
): Refusal {
  return {
    order_id: order_data.order_id,
    success: false,
    message,
    order_data,
    error: { code: order_data.code, message },
  };
}

const REFUSED = refusal(
  {
    order_id: 'A-2003',
    lines: [
      { product_id: 'OLJCESPC7Z', quantity: 2, warehouse: 'main-store' },
      { product_id: '6E92ZMYYFZ', quantity: 1, warehouse: 'downtown-store' },
    ],
    failed_line: { index: 1, product_id: '6E92ZMYYFZ', location: 'downtown-store', available: 0 },
    code: 'insufficient_stock',
  },
  'Order A-2003 refused, nothing taken: line 1: not enough 6E92ZMYYFZ at downtown-store (0 available)',
);

const UNKNOWN_PRODUCT = refusal(
  {
    order_id: 'A-2004',
    lines: [{ product_id: 'NOSUCHPROD', quantity: 1, warehouse: 'main-store' }],
    failed_line: { index: 0, product_id: 'NOSUCHPROD', location: 'main-store', available: 0 },
    code: 'product_not_found',
  },
  'Order A-2004 refused, nothing taken: line 0: product NOSUCHPROD does not exist',
);

const UNKNOWN_LOCATION = refusal(
  {
    order_id: 'A-2005',
    lines: [{ product_id: 'OLJCESPC7Z', quantity: 1, warehouse: 'mian-store' }],
    failed_line: { index: 0, product_id: 'OLJCESPC7Z', location: 'mian-store', available: 0 },
    code: 'location_not_found',
  },
  'Order A-2005 refused, nothing taken: line 0: location mian-store does not exist',
);

const INACTIVE_LOCATION = refusal(
  {
    order_id: 'A-2006',
    lines: [{ product_id: 'OLJCESPC7Z', quantity: 1, warehouse: 'mall-store' }],
    failed_line: { index: 0, product_id: 'OLJCESPC7Z', location: 'mall-store', available: 0 },
    code: 'location_inactive',
  },
  'Order A-2006 refused, nothing taken: line 0: location mall-store is inactive',
);

/** `order.routes.ts` in the OpenAPI document. */
export const orderOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'post',
    path: '/orders',
    operationId: 'placeOrder',
    tags: ['checkout'],
    summary: 'Take the stock of an order, all or nothing',
    description: [
      'Every line is taken in one transaction, or none is. Each `order_id` is applied at most once, at any store: sent again, it is answered 200 and nothing more is taken. The same answer as an entry on the `order_validate` stream gets.',
      roleNote({ 'place an order': 'order' }),
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: {
      headers: IdempotentWriteHeaders,
      body: jsonBody(z.union([orderRequest, singleLineOrder]), {
        ...ORDER_EXAMPLES,
        ...SINGLE_LINE_EXAMPLES,
      }),
    },
    responses: {
      201: {
        ...jsonResponse('Taken: stock for every line', orderResponse, {
          accepted: { value: ACCEPTED },
        }),
        headers: ReplayHeaders,
      },
      200: {
        ...jsonResponse('This order_id was applied before; nothing more was taken', orderResponse, {
          duplicate: {
            value: {
              ...ACCEPTED,
              message: 'Order A-2001 was already applied; nothing more was taken',
              order_data: { ...ACCEPTED.order_data, duplicate: true },
            },
          },
        }),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses([...BODY_ERRORS, ERROR_CODES.IDEMPOTENCY_KEY_REUSED], NO_ROLE),
      404: {
        ...jsonResponse(
          '`location_not_found`: a line names no location; nothing was taken for any line',
          orderRefusal,
          { location_not_found: { value: UNKNOWN_LOCATION } },
        ),
        headers: ReplayHeaders,
      },
      409: {
        ...jsonResponse(
          '`insufficient_stock`, `product_not_found` or `location_inactive`: a line could not be taken; nothing was taken for any line',
          orderRefusal,
          {
            insufficient_stock: { value: REFUSED },
            product_not_found: { value: UNKNOWN_PRODUCT },
            location_inactive: { value: INACTIVE_LOCATION },
          },
        ),
        headers: ReplayHeaders,
      },
    },
  });
};
