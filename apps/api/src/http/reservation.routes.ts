import {
  ERROR_CODES,
  ProductIdParamsSchema,
  ReservationIdParamsSchema,
  ReserveRequestSchema,
  StockwireError,
} from '@stockwire/domain';
import { Router } from 'express';
import type { ReservationService } from '../inventory/reservation.service.js';
import { authorize } from '../auth/authenticator.js';
import { principalOf } from './access.middleware.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { parse } from './validate.js';

export function reservationRoutes(
  reservations: ReservationService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Router {
  const router = Router();

  router.post('/inventory/:product_id/reserve', async (req, res) => {
    const who = authorize(principalOf(res), 'reserve');
    const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
    const body = parse(ReserveRequestSchema, req.body, 'request body');
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    try {
      const outcome = await reservations.reserve(product_id, body, ctx);
      responder.send(res, ctx, outcome, 201, outcome.value);
    } catch (error) {
      // The checkout clients of the service Stockwire replaces read `success` and `available_stock`.
      if (error instanceof StockwireError && error.code === ERROR_CODES.INSUFFICIENT_STOCK) {
        res.status(409).json({
          success: false,
          message: error.message,
          available_stock: error.details?.available_stock ?? 0,
          error: { ...error.details, code: error.code, message: error.message },
        });
        return;
      }
      throw error;
    }
  });

  router.get('/reservations/:id', async (req, res) => {
    const { id } = parse(ReservationIdParamsSchema, req.params, 'path');
    res.json(await reservations.get(id));
  });

  router.post('/reservations/:id/commit', async (req, res) => {
    const who = authorize(principalOf(res), 'reserve');
    const { id } = parse(ReservationIdParamsSchema, req.params, 'path');
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    const outcome = await reservations.commit(id, ctx);
    responder.send(res, ctx, outcome, 200, outcome.value);
  });

  router.post('/reservations/:id/release', async (req, res) => {
    const who = authorize(principalOf(res), 'reserve');
    const { id } = parse(ReservationIdParamsSchema, req.params, 'path');
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    const outcome = await reservations.release(id, ctx);
    responder.send(res, ctx, outcome, 200, outcome.value);
  });

  return router;
}
