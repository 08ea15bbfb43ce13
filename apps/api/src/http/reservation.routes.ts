import {
  ERROR_CODES,
  ProductIdParamsSchema,
  ReservationIdParamsSchema,
  ReserveRequestSchema,
  StockwireError,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { ReservationService } from '../inventory/reservation.service.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { reply, type Route, type RouteRequest } from './route.js';
import { parse } from './validate.js';

/** Holds during checkout: place, look up, commit, release. */
export function reservationRoutes(
  reservations: ReservationService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Route[] {
  /** A commit or release of the hold in the path. */
  const finish = (action: 'commit' | 'release') => async (req: RouteRequest) => {
    const who = authorize(req.principal, 'reserve');
    const { id } = parse(ReservationIdParamsSchema, req.params, 'path');
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    const outcome = await reservations[action](id, ctx);
    return responder.reply(ctx, outcome, 200, outcome.value);
  };

  return [
    {
      method: 'POST',
      path: '/inventory/:product_id/reserve',
      handle: async (req) => {
        const who = authorize(req.principal, 'reserve');
        const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
        const body = parse(ReserveRequestSchema, req.body, 'request body');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        try {
          const outcome = await reservations.reserve(product_id, body, ctx);
          return responder.reply(ctx, outcome, 201, outcome.value);
        } catch (error) {
          // The checkout clients of the service Stockwire replaces read `success` and `available_stock`.
          if (error instanceof StockwireError && error.code === ERROR_CODES.INSUFFICIENT_STOCK) {
            return reply(
              {
                success: false,
                message: error.message,
                available_stock: error.details?.available_stock ?? 0,
                error: { ...error.details, code: error.code, message: error.message },
              },
              409,
            );
          }
          throw error;
        }
      },
    },
    {
      method: 'GET',
      path: '/reservations/:id',
      handle: async (req) => {
        const { id } = parse(ReservationIdParamsSchema, req.params, 'path');
        return reply(await reservations.get(id));
      },
    },
    { method: 'POST', path: '/reservations/:id/commit', handle: finish('commit') },
    { method: 'POST', path: '/reservations/:id/release', handle: finish('release') },
  ];
}
