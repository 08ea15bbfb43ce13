import {
  CreateTransferRequestSchema,
  ReceiveTransferRequestSchema,
  TransferIdParamsSchema,
  TransfersQuerySchema,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { TransferService } from '../inventory/transfer.service.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { reply, type Route } from './route.js';
import { parse } from './validate.js';

/**
 * Transfers between locations: staff create and receive them, admins cancel them; anyone who may
 * read stock may read them. Each step is safe to retry with `Idempotency-Key`, and a create also
 * by its `transfer_id`.
 */
export function transferRoutes(
  transfers: TransferService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Route[] {
  return [
    {
      method: 'GET',
      path: '/transfers',
      handle: async (req) =>
        reply(await transfers.list(parse(TransfersQuerySchema, req.query, 'query parameters'))),
    },
    {
      method: 'GET',
      path: '/transfers/:id',
      handle: async (req) => {
        const { id } = parse(TransferIdParamsSchema, req.params, 'path');
        return reply(await transfers.get(id));
      },
    },
    {
      method: 'POST',
      path: '/transfers',
      handle: async (req) => {
        const who = authorize(req.principal, 'transfer');
        const body = parse(CreateTransferRequestSchema, req.body, 'request body');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await transfers.create(body, ctx);
        const { transfer, duplicate } = outcome.value;
        return responder.reply(ctx, outcome, duplicate ? 200 : 201, transfer);
      },
    },
    {
      method: 'POST',
      path: '/transfers/:id/receive',
      handle: async (req) => {
        const who = authorize(req.principal, 'receive_transfer');
        const { id } = parse(TransferIdParamsSchema, req.params, 'path');
        const body = parse(ReceiveTransferRequestSchema, req.body, 'request body');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await transfers.receive(id, body, ctx);
        return responder.reply(ctx, outcome, 200, outcome.value.transfer);
      },
    },
    {
      method: 'POST',
      path: '/transfers/:id/cancel',
      handle: async (req) => {
        const who = authorize(req.principal, 'cancel_transfer');
        const { id } = parse(TransferIdParamsSchema, req.params, 'path');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await transfers.cancel(id, ctx);
        return responder.reply(ctx, outcome, 200, outcome.value.transfer);
      },
    },
  ];
}
