import {
  CreateLocationRequestSchema,
  LocationIdParamsSchema,
  UpdateLocationRequestSchema,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { LocationService } from '../inventory/location.service.js';
import { reply, type Route } from './route.js';
import { parse } from './validate.js';

/** The chain's stores and warehouses: read by anyone who may read stock, changed by admins. */
export function locationRoutes(locations: LocationService): Route[] {
  return [
    {
      method: 'GET',
      path: '/locations',
      cached: true,
      handle: () => reply({ locations: locations.list() }),
    },
    {
      method: 'GET',
      path: '/locations/:id',
      cached: true,
      handle: (req) => {
        const { id } = parse(LocationIdParamsSchema, req.params, 'path');
        return reply(locations.get(id));
      },
    },
    {
      method: 'POST',
      path: '/locations',
      handle: async (req) => {
        authorize(req.principal, 'manage_locations');
        const body = parse(CreateLocationRequestSchema, req.body, 'request body');
        return reply(await locations.create(body), 201);
      },
    },
    {
      method: 'PATCH',
      path: '/locations/:id',
      handle: async (req) => {
        authorize(req.principal, 'manage_locations');
        const { id } = parse(LocationIdParamsSchema, req.params, 'path');
        const body = parse(UpdateLocationRequestSchema, req.body, 'request body');
        return reply(await locations.update(id, body));
      },
    },
  ];
}
