import {
  countFromCsv,
  CountCsvQuerySchema,
  CountRequestSchema,
  CSV_TYPE,
  inventoryCsv,
  InventoryCsvQuerySchema,
  type CountRequest,
  type ProductInventory,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { CountService } from '../inventory/count.service.js';
import type { LocationService } from '../inventory/location.service.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { Encoded, reply, type Route, type RouteRequest } from './route.js';
import { parse } from './validate.js';

/** A count from its JSON body, or from its CSV body and the query. */
function countRequest(req: RouteRequest): CountRequest {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type !== CSV_TYPE) return parse(CountRequestSchema, req.body, 'request body');
  const query = parse(CountCsvQuerySchema, req.query, 'query parameters');
  return countFromCsv(typeof req.body === 'string' ? req.body : '', query);
}

/**
 * Stocktakes: staff count a location's shelves and the count corrects on hand; a location's stock
 * as CSV, in the shape a count takes.
 */
export function countRoutes(
  counts: CountService,
  views: () => ProductInventory[],
  locations: Pick<LocationService, 'get'>,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Route[] {
  return [
    {
      method: 'GET',
      path: '/inventory.csv',
      cached: true,
      handle: (req) => {
        const { location } = parse(InventoryCsvQuerySchema, req.query, 'query parameters');
        locations.get(location);
        return reply(
          new Encoded(Buffer.from(inventoryCsv(views(), location)), `${CSV_TYPE}; charset=utf-8`),
        );
      },
    },
    {
      method: 'POST',
      path: '/counts',
      handle: async (req) => {
        const who = authorize(req.principal, 'count');
        const body = countRequest(req);
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await counts.record(body, ctx);
        return responder.reply(ctx, outcome, outcome.value.duplicate ? 200 : 201, outcome.value);
      },
    },
  ];
}
