import { orderSchemaFor } from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import { HTTP_STATUS } from './error.reply.js';
import type { OrderService } from '../inventory/order.service.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import type { Route } from './route.js';
import { parse } from './validate.js';

/** All-or-nothing orders, in either body form the earlier services took. */
export function orderRoutes(
  orders: OrderService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Route[] {
  return [
    {
      method: 'POST',
      path: '/orders',
      handle: async (req) => {
        const who = authorize(req.principal, 'order');
        const order = parse(orderSchemaFor(req.body), req.body, 'order');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await orders.place(order, ctx);
        const { response, accepted, duplicate, code } = outcome.value;
        if (!accepted) {
          // A line naming no location is a 404, as every write naming one is; any other refusal
          // of an order is a conflict with the stock as it stands.
          const status = code === 'location_not_found' ? HTTP_STATUS.location_not_found : 409;
          return responder.reply(ctx, outcome, status, {
            ...response,
            error: { code, message: response.message },
          });
        }
        return responder.reply(ctx, outcome, duplicate ? 200 : 201, response);
      },
    },
  ];
}
