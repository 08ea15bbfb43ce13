import { CountRequestSchema } from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { CountService } from '../inventory/count.service.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import type { Route } from './route.js';
import { parse } from './validate.js';

/** Stocktakes: staff count a location's shelves and the count corrects on hand. */
export function countRoutes(
  counts: CountService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Route[] {
  return [
    {
      method: 'POST',
      path: '/counts',
      handle: async (req) => {
        const who = authorize(req.principal, 'count');
        const body = parse(CountRequestSchema, req.body, 'request body');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await counts.record(body, ctx);
        return responder.reply(ctx, outcome, outcome.value.duplicate ? 200 : 201, outcome.value);
      },
    },
  ];
}
