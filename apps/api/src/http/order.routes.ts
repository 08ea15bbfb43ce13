import { orderSchemaFor } from '@stockwire/domain';
import { Router } from 'express';
import type { OrderService } from '../inventory/order.service.js';
import { authorize } from '../auth/authenticator.js';
import { principalOf } from './access.middleware.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { parse } from './validate.js';

export function orderRoutes(
  orders: OrderService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Router {
  const router = Router();

  router.post('/orders', async (req, res) => {
    const who = authorize(principalOf(res), 'order');
    const order = parse(orderSchemaFor(req.body), req.body, 'order');
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    const outcome = await orders.place(order, ctx);
    const { response, accepted, duplicate, code } = outcome.value;
    if (!accepted) {
      responder.send(res, ctx, outcome, 409, {
        ...response,
        error: { code, message: response.message },
      });
      return;
    }
    responder.send(res, ctx, outcome, duplicate ? 200 : 201, response);
  });

  return router;
}
