import {
  CreateLocationRequestSchema,
  ERROR_CODES,
  LocationIdParamsSchema,
  StockLocationSchema,
  UpdateLocationRequestSchema,
  type StockLocation,
} from '@stockwire/domain';
import { z } from 'zod';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_OPTIONAL, CREDENTIAL_REQUIRED, READ_NOTE, roleNote } from './openapi.access.js';
import {
  BODY_ERRORS,
  errorResponses,
  READ_ACCESS_ERRORS,
  roleTooSmall,
  writeErrorResponses,
  type ErrorExample,
} from './openapi.errors.js';
import { jsonBody, type RequestExamples } from './openapi.requests.js';
import { jsonResponse } from './openapi.responses.js';

const location = component(
  'Location',
  StockLocationSchema.extend({ created_at: z.iso.datetime({ offset: true }) }),
  'A store or warehouse. Every write names an active one, or is refused with nothing written: `location_not_found` (404) or `location_inactive` (409).',
);

const locationList = component(
  'LocationList',
  z.object({ locations: z.array(location) }),
  'Every location, active or not, by id.',
);

const createLocationRequest = component(
  'CreateLocationRequest',
  CreateLocationRequestSchema,
  'An id of your choosing (it never changes; writes name it as `warehouse`), a name for people, and its kind (`store` by default).',
);

const updateLocationRequest = component(
  'UpdateLocationRequest',
  UpdateLocationRequestSchema,
  'A new name, or `active: false` to retire the location (its stock and history stay), or both.',
);

const LocationIdParams = LocationIdParamsSchema.extend({
  id: LocationIdParamsSchema.shape.id.meta({
    description: 'The location id',
    example: 'central-warehouse',
  }),
});

const WAREHOUSE: StockLocation = {
  id: 'central-warehouse',
  name: 'Central Warehouse',
  kind: 'warehouse',
  active: true,
  created_at: '2026-12-01T09:00:00.000+00:00',
};
const STORES: StockLocation[] = [
  { ...WAREHOUSE, id: 'downtown-store', name: 'Downtown Store', kind: 'store' },
  { ...WAREHOUSE, id: 'main-store', name: 'Main Store', kind: 'store' },
  { ...WAREHOUSE, id: 'mall-store', name: 'Mall Store', kind: 'store' },
];

const CREATE_EXAMPLES: RequestExamples<typeof createLocationRequest> = {
  store: {
    summary: 'A new store',
    value: { id: 'harbour-store', name: 'Harbour Store', kind: 'store' },
  },
  warehouse: {
    summary: 'A second warehouse',
    value: { id: 'north-warehouse', name: 'North Warehouse', kind: 'warehouse' },
  },
};

const UPDATE_EXAMPLES: RequestExamples<typeof updateLocationRequest> = {
  retire: { summary: 'Close a location to writes', value: { active: false } },
  rename: { summary: 'Rename it', value: { name: 'Mall Store (Level 2)' } },
};

const BAD_LOCATION_ID: ErrorExample = {
  summary: 'The location id is malformed',
  message: 'Invalid path: id: letters, digits, - and _, at most 64 characters',
  details: { fields: { id: ['letters, digits, - and _, at most 64 characters'] } },
};

const MANAGE = roleNote({ 'manage locations': 'manage_locations' });

/** `locations.routes.ts` in the OpenAPI document. */
export const locationsOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/locations',
    operationId: 'listLocations',
    tags: ['locations'],
    summary: 'The stores and warehouses',
    description: `From this store's list, kept current from every store's changes; dashboards take their columns from it. ${READ_NOTE}`,
    security: CREDENTIAL_OPTIONAL,
    responses: {
      200: jsonResponse('Every location', locationList, {
        locations: { value: { locations: [WAREHOUSE, ...STORES] } },
      }),
      ...errorResponses([...READ_ACCESS_ERRORS, ERROR_CODES.INTERNAL]),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/locations/{id}',
    operationId: 'getLocation',
    tags: ['locations'],
    summary: 'One location',
    description: READ_NOTE,
    security: CREDENTIAL_OPTIONAL,
    request: { params: LocationIdParams },
    responses: {
      200: jsonResponse('The location', location, { warehouse: { value: WAREHOUSE } }),
      ...errorResponses(
        [
          ERROR_CODES.VALIDATION_FAILED,
          ...READ_ACCESS_ERRORS,
          ERROR_CODES.LOCATION_NOT_FOUND,
          ERROR_CODES.INTERNAL,
        ],
        { validation_failed: BAD_LOCATION_ID },
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/locations',
    operationId: 'createLocation',
    tags: ['locations'],
    summary: 'Add a location',
    description: `Every store lists it at once, and writes may name it from then on. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { body: jsonBody(createLocationRequest, CREATE_EXAMPLES) },
    responses: {
      201: jsonResponse('The location', location, {
        created: {
          value: { ...WAREHOUSE, id: 'harbour-store', name: 'Harbour Store', kind: 'store' },
        },
      }),
      ...writeErrorResponses(
        [...BODY_ERRORS, ERROR_CODES.LOCATION_EXISTS],
        roleTooSmall('manage_locations'),
      ),
    },
  });

  registry.registerPath({
    method: 'patch',
    path: '/locations/{id}',
    operationId: 'updateLocation',
    tags: ['locations'],
    summary: 'Rename a location, or make it active or inactive',
    description: `An inactive location refuses every write that names it (\`location_inactive\`), everywhere at once; its stock and history stay. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: LocationIdParams, body: jsonBody(updateLocationRequest, UPDATE_EXAMPLES) },
    responses: {
      200: jsonResponse('The location as it now is', location, {
        retired: { value: { ...STORES[2]!, active: false } },
      }),
      ...writeErrorResponses(
        [...BODY_ERRORS, ERROR_CODES.LOCATION_NOT_FOUND],
        roleTooSmall('manage_locations'),
      ),
    },
  });
};
