import {
  ERROR_CODES,
  ProductLocationParamsSchema,
  REORDERS_PAGE_MAX,
  ReorderPointRequestSchema,
  ReordersPageSchema,
  type ReordersPage,
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
} from './openapi.errors.js';
import { jsonBody, type RequestExamples } from './openapi.requests.js';
import { jsonResponse } from './openapi.responses.js';
import { PRODUCT_EXAMPLE, productInventory } from './inventory.openapi.js';

const reorderPointRequest = component(
  'ReorderPointRequest',
  ReorderPointRequestSchema,
  'The reorder point and the least quantity to reorder at one location; what is left out stays as it is. Whole numbers, 0 or more; a point of 0 never asks for a reorder.',
);

const reordersPage = component(
  'ReordersPage',
  ReordersPageSchema,
  'The locations whose stock position (available + in transit) is below their reorder point, in (product, location) order.',
);

const ProductLocationParams = ProductLocationParamsSchema.extend({
  product_id: ProductLocationParamsSchema.shape.product_id.meta({
    description: 'The product id',
    example: 'OLJCESPC7Z',
  }),
  location: ProductLocationParamsSchema.shape.location.meta({
    description: 'The location id',
    example: 'main-store',
  }),
});

const ReordersQuery = z.object({
  location: z
    .string()
    .optional()
    .meta({ description: 'Only this location', example: 'main-store' }),
  limit: z
    .string()
    .optional()
    .meta({ description: `Rows per page, 1–${REORDERS_PAGE_MAX} (default 100)`, example: '100' }),
  cursor: z.string().optional().meta({
    description: 'The `next_cursor` of the page before',
    example: 'OLJCESPC7Z/main-store',
  }),
});

const POINT_EXAMPLES: RequestExamples<typeof reorderPointRequest> = {
  both: { summary: 'Reorder 40 when below 20', value: { reorder_point: 20, reorder_quantity: 40 } },
  point: { summary: 'Only move the point', value: { reorder_point: 25 } },
  off: { summary: 'Never ask for a reorder here', value: { reorder_point: 0 } },
};

const REORDERS_EXAMPLE: ReordersPage = {
  reorders: [
    {
      product_id: 'OLJCESPC7Z',
      name: 'Sunglasses',
      location: 'main-store',
      on_hand: 14,
      reserved: 2,
      available: 12,
      in_transit: 3,
      position: 15,
      reorder_point: 20,
      reorder_quantity: 40,
      suggested_quantity: 40,
    },
    {
      product_id: '6E92ZMYYFZ',
      name: 'Mug',
      location: 'mall-store',
      on_hand: 1,
      reserved: 0,
      available: 1,
      in_transit: 0,
      position: 1,
      reorder_point: 30,
      reorder_quantity: 12,
      suggested_quantity: 29,
    },
  ],
  next_cursor: null,
};

const BAD_POINT = {
  summary: 'A field is not a whole number of 0 or more',
  message: 'Invalid request body: reorder_point: Too small: expected number to be >=0',
  details: { fields: { reorder_point: ['Too small: expected number to be >=0'] } },
};

/** `reorders.routes.ts` in the OpenAPI document. */
export const reordersOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'patch',
    path: '/inventory/{product_id}/locations/{location}',
    operationId: 'setReorderPoint',
    tags: ['inventory'],
    summary: 'Set the reorder point and quantity of a product at a location',
    description: `Shown in the product view per location (\`locations.{location}.reorder_point\`, \`reorder_quantity\`) and per product as the sum (\`reorder_point\`), at every store at once. When available + in transit falls below the point, every store's clients hear \`reorder_needed\` once per crossing, \`GET /alerts\` records it, and webhooks get \`reorder.needed\`; a point raised above the stock is a crossing too. A location without a stock row for the product gets one, with no stock. ${roleNote({ 'set reorder points': 'manage_reorders' })}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: ProductLocationParams, body: jsonBody(reorderPointRequest, POINT_EXAMPLES) },
    responses: {
      200: jsonResponse('The product as it now stands', productInventory, {
        sunglasses: { value: PRODUCT_EXAMPLE },
      }),
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.PRODUCT_NOT_FOUND,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ERROR_CODES.LOCATION_INACTIVE,
        ],
        roleTooSmall('manage_reorders'),
        { validation_failed: BAD_POINT },
      ),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/reorders',
    operationId: 'listReorders',
    tags: ['inventory'],
    summary: 'What is below its reorder point, with what to order',
    description: `Every (product, location) whose stock position — available (on hand − reserved) plus in transit to it — is below its reorder point. \`suggested_quantity\` is the location's \`reorder_quantity\`, or what brings the position back to the point when that is more. From this store's cache. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { query: ReordersQuery },
    responses: {
      200: jsonResponse('A page of reorders', reordersPage, {
        reorders: { value: REORDERS_EXAMPLE },
      }),
      ...errorResponses(
        [ERROR_CODES.VALIDATION_FAILED, ...READ_ACCESS_ERRORS, ERROR_CODES.INTERNAL],
        {
          validation_failed: {
            summary: 'A query parameter is malformed or unknown',
            message: `Invalid query parameters: limit: must be at most ${REORDERS_PAGE_MAX}`,
            details: { fields: { limit: [`must be at most ${REORDERS_PAGE_MAX}`] } },
          },
          forbidden: NO_ROLE,
        },
      ),
    },
  });
};
