import {
  ProductLocationParamsSchema,
  ReorderPointRequestSchema,
  ReordersQuerySchema,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { ReorderService } from '../inventory/reorder.service.js';
import { reply, type Route } from './route.js';
import { parse } from './validate.js';

/** Reorder points, set by admins, and what is below them, read by anyone who may read stock. */
export function reorderRoutes(reorders: ReorderService): Route[] {
  return [
    {
      method: 'PATCH',
      path: '/inventory/:product_id/locations/:location',
      handle: async (req) => {
        authorize(req.principal, 'manage_reorders');
        const { product_id, location } = parse(ProductLocationParamsSchema, req.params, 'path');
        const body = parse(ReorderPointRequestSchema, req.body, 'request body');
        return reply(await reorders.set(product_id, location, body, req.requestId));
      },
    },
    {
      method: 'GET',
      path: '/reorders',
      cached: true,
      handle: (req) =>
        reply(reorders.list(parse(ReordersQuerySchema, req.query, 'query parameters'))),
    },
  ];
}
