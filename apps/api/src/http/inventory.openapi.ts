import { z } from 'zod';
import {
  CATALOGUE_PAGE_MAX,
  CatalogueQuerySchema,
  CreateProductRequestSchema,
  ERROR_CODES,
  ProductInventorySchema,
  StockUpdateRequestSchema,
  UPDATE_ACTION,
  type ProductInventory,
  type ProductPage,
} from '@stockwire/domain';
import type { CatalogueEntry } from '../inventory/inventory.service.js';
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
import {
  IdempotentWriteHeaders,
  jsonBody,
  ProductIdParams,
  type RequestExamples,
} from './openapi.requests.js';
import { jsonResponse, ReplayHeaders } from './openapi.responses.js';

export const productInventory = component(
  'ProductInventory',
  ProductInventorySchema,
  "A product with its stock at every location, from the store's cache",
);
const catalogueEntry = component(
  'CatalogueEntry',
  ProductInventorySchema.pick({
    product_id: true,
    name: true,
    description: true,
    low_stock_threshold: true,
  }),
);
const pageFields = {
  total: z.number().int().nonnegative().meta({ description: 'Products that match the filters' }),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as `cursor` for the next page; null on the last one' }),
};
const inventoryPage = component(
  'InventoryPage',
  z.object({ products: z.array(productInventory), ...pageFields }),
);
const cataloguePage = component(
  'CataloguePage',
  z.object({ products: z.array(catalogueEntry), ...pageFields }),
);

const PAGING_NOTE = `Products in id order. Without \`limit\`, every product that matches; with it (1 to ${CATALOGUE_PAGE_MAX}), pages: pass the page's \`next_cursor\` as \`cursor\`, with the same filters, for the next. \`product_id\` takes ids, comma-separated.`;

const BAD_QUERY = {
  validation_failed: {
    summary: 'A query parameter is malformed or unknown',
    message: `Invalid query parameters: limit: must be at most ${CATALOGUE_PAGE_MAX}`,
    details: { fields: { limit: [`must be at most ${CATALOGUE_PAGE_MAX}`] } },
  },
  forbidden: NO_ROLE,
};

const stockUpdateRequest = component(
  'StockUpdateRequest',
  StockUpdateRequestSchema,
  '`sale` and `damage` take a negative `change`, `restock` and `return` a positive one, `adjustment` either; never 0. `warehouse` defaults to the store that receives the request.',
);
const createProductRequest = component(
  'CreateProductRequest',
  CreateProductRequestSchema,
  '`stock` is the initial on-hand quantity per location; an id is generated if omitted.',
);

/** A location without a reorder point. */
const NO_POINT = { reorder_point: 0, reorder_quantity: 0 };

/** Sunglasses as `npm start` seeds them, after two sold at main-store. */
export const PRODUCT_EXAMPLE: ProductInventory = {
  product_id: 'OLJCESPC7Z',
  name: 'Sunglasses',
  description: 'Add a modern touch to your outfits with these sleek aviator sunglasses.',
  low_stock_threshold: 10,
  total_stock: 133,
  reserved_stock: 0,
  available_stock: 133,
  in_transit_stock: 0,
  reorder_point: 20,
  warehouses: { 'downtown-store': 45, 'main-store': 58, 'mall-store': 30 },
  locations: {
    'downtown-store': {
      on_hand: 45,
      reserved: 0,
      available: 45,
      in_transit: 0,
      version: 1,
      ...NO_POINT,
    },
    'main-store': {
      on_hand: 58,
      reserved: 0,
      available: 58,
      in_transit: 0,
      version: 2,
      reorder_point: 20,
      reorder_quantity: 40,
    },
    'mall-store': {
      on_hand: 30,
      reserved: 0,
      available: 30,
      in_transit: 0,
      version: 1,
      ...NO_POINT,
    },
  },
  last_updated: '2026-11-23T12:01:13.874Z',
  version: 4,
};

const CATALOGUE_EXAMPLE: CatalogueEntry[] = [
  {
    product_id: 'OLJCESPC7Z',
    name: 'Sunglasses',
    description: PRODUCT_EXAMPLE.description,
    low_stock_threshold: 10,
  },
  {
    product_id: '6E92ZMYYFZ',
    name: 'Mug',
    description: 'A simple mug with a mustard interior.',
    low_stock_threshold: 12,
  },
];

const UPDATE_EXAMPLES: RequestExamples<typeof stockUpdateRequest> = {
  sale: { summary: 'Sell 2 here', value: { change: -2, update_type: 'sale' } },
  restock: {
    summary: 'Restock 20 at mall-store',
    value: { warehouse: 'mall-store', change: 20, update_type: 'restock' },
  },
  adjustment: {
    summary: 'Correct a count by -1',
    value: { warehouse: 'downtown-store', change: -1, update_type: 'adjustment' },
  },
};

const CREATE_EXAMPLES: RequestExamples<typeof createProductRequest> = {
  stocked: {
    summary: 'A product stocked at two stores',
    value: {
      name: 'Espresso Cup',
      description: 'A small cup for a strong coffee.',
      low_stock_threshold: 6,
      stock: { 'main-store': 24, 'mall-store': 12 },
    },
  },
  minimal: { summary: 'Only a name; no stock yet', value: { name: 'Tea Towel' } },
};

const CREATED_EXAMPLE: ProductInventory = {
  product_id: 'Q3N8ZT5KMD',
  name: 'Espresso Cup',
  description: 'A small cup for a strong coffee.',
  low_stock_threshold: 6,
  total_stock: 36,
  reserved_stock: 0,
  available_stock: 36,
  in_transit_stock: 0,
  reorder_point: 0,
  warehouses: { 'main-store': 24, 'mall-store': 12 },
  locations: {
    'main-store': {
      on_hand: 24,
      reserved: 0,
      available: 24,
      in_transit: 0,
      version: 1,
      ...NO_POINT,
    },
    'mall-store': {
      on_hand: 12,
      reserved: 0,
      available: 12,
      in_transit: 0,
      version: 1,
      ...NO_POINT,
    },
  },
  last_updated: '2026-11-23T12:04:51.102Z',
  version: 2,
};

const BAD_PRODUCT_ID = {
  summary: 'The product id is malformed',
  message: 'Invalid path: product_id: letters, digits, - and _, at most 64 characters',
  details: { fields: { product_id: ['letters, digits, - and _, at most 64 characters'] } },
};

/** `inventory.routes.ts` in the OpenAPI document. */
export const inventoryOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/inventory',
    operationId: 'listInventory',
    tags: ['inventory'],
    summary: "Every product's inventory",
    description: `From this store's cache, kept current from every store's changes. ${PAGING_NOTE} With \`location\`, only products stocked there, each with that location alone. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { query: CatalogueQuerySchema },
    responses: {
      200: jsonResponse('Products with their stock everywhere', inventoryPage, {
        products: {
          value: {
            products: [PRODUCT_EXAMPLE],
            total: 1,
            next_cursor: null,
          } satisfies ProductPage<ProductInventory>,
        },
      }),
      ...errorResponses(
        [ERROR_CODES.VALIDATION_FAILED, ...READ_ACCESS_ERRORS, ERROR_CODES.INTERNAL],
        BAD_QUERY,
      ),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/inventory/{product_id}',
    operationId: 'getInventory',
    tags: ['inventory'],
    summary: "One product's inventory",
    description: READ_NOTE,
    security: CREDENTIAL_OPTIONAL,
    request: { params: ProductIdParams },
    responses: {
      200: jsonResponse('The product with its stock everywhere', productInventory, {
        sunglasses: { value: PRODUCT_EXAMPLE },
      }),
      ...errorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ...READ_ACCESS_ERRORS,
          ERROR_CODES.PRODUCT_NOT_FOUND,
          ERROR_CODES.INTERNAL,
        ],
        { validation_failed: BAD_PRODUCT_ID, forbidden: NO_ROLE },
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/inventory/{product_id}/update',
    operationId: 'updateStock',
    tags: ['inventory'],
    summary: 'Record a stock movement',
    description: [
      'Applied atomically in the database: refused (409) rather than letting stock go negative or below what is reserved. Every store sees the change within milliseconds.',
      roleNote(UPDATE_ACTION),
    ].join('\n\n'),
    security: CREDENTIAL_REQUIRED,
    request: {
      params: ProductIdParams,
      headers: IdempotentWriteHeaders,
      body: jsonBody(stockUpdateRequest, UPDATE_EXAMPLES),
    },
    responses: {
      200: {
        ...jsonResponse('The product as it now stands', productInventory, {
          sunglasses: { value: PRODUCT_EXAMPLE },
        }),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.PRODUCT_NOT_FOUND,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ERROR_CODES.LOCATION_INACTIVE,
          ERROR_CODES.INSUFFICIENT_STOCK,
          ERROR_CODES.QUANTITY_OUT_OF_RANGE,
          ERROR_CODES.INVALID_CHANGE,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
        ],
        roleTooSmall(UPDATE_ACTION.adjustment),
      ),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/products',
    operationId: 'listProducts',
    tags: ['products'],
    summary: 'The catalogue',
    description: `${PAGING_NOTE} With \`location\`, only products stocked there. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    request: { query: CatalogueQuerySchema },
    responses: {
      200: jsonResponse('Products, without their stock', cataloguePage, {
        catalogue: {
          value: {
            products: CATALOGUE_EXAMPLE,
            total: CATALOGUE_EXAMPLE.length,
            next_cursor: null,
          } satisfies ProductPage<CatalogueEntry>,
        },
      }),
      ...errorResponses(
        [ERROR_CODES.VALIDATION_FAILED, ...READ_ACCESS_ERRORS, ERROR_CODES.INTERNAL],
        BAD_QUERY,
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/products',
    operationId: 'createProduct',
    tags: ['products'],
    summary: 'Add a product, with initial stock',
    description: roleNote({ 'create a product': 'create_product' }),
    security: CREDENTIAL_REQUIRED,
    request: {
      headers: IdempotentWriteHeaders,
      body: jsonBody(createProductRequest, CREATE_EXAMPLES),
    },
    responses: {
      201: {
        ...jsonResponse('The product with its stock everywhere', productInventory, {
          created: { value: CREATED_EXAMPLE },
        }),
        headers: ReplayHeaders,
      },
      ...writeErrorResponses(
        [
          ...BODY_ERRORS,
          ERROR_CODES.PRODUCT_EXISTS,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ERROR_CODES.LOCATION_INACTIVE,
          ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
        ],
        roleTooSmall('create_product'),
      ),
    },
  });
};
