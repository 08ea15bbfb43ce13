import { createHash } from 'node:crypto';
import { IdempotencyKeySchema, type Principal } from '@stockwire/domain';
import type { Request, Response } from 'express';
import type { Outcome, RequestContext } from '../inventory/request.context.js';
import { requestId } from './request-id.js';
import { parse } from './validate.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The request id and, if the client sent `Idempotency-Key`, the key scoped to this operation. */
export function requestContext(req: Request, who: Principal, ttlSeconds: number): RequestContext {
  const ctx: RequestContext = { requestId: requestId(req), actor: who.actor };
  const header = req.get(IDEMPOTENCY_HEADER);
  if (header === undefined) return ctx;
  const key = parse(IdempotencyKeySchema, header, 'header', IDEMPOTENCY_HEADER);
  ctx.idempotency = {
    key,
    scope: `${req.method} ${req.baseUrl}${req.path}`,
    hash: createHash('sha256')
      .update(JSON.stringify(req.body ?? null))
      .digest('hex'),
    ttl_seconds: ttlSeconds,
  };
  return ctx;
}

/**
 * Sends a write's response. A replay gets the first response verbatim (marked with
 * `Idempotent-Replayed: true`); a first keyed response is kept for later retries.
 */
export class IdempotentResponder {
  constructor(
    private readonly save: (key: string, status: number, body: unknown) => Promise<void>,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  send<T>(
    res: Response,
    ctx: RequestContext,
    outcome: Outcome<T>,
    status: number,
    body: unknown,
  ): void {
    if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
    if (outcome.replay) {
      res.status(outcome.replay.status).json(outcome.replay.body);
      return;
    }
    res.status(status).json(body);
    if (ctx.idempotency && !outcome.replayed) {
      this.save(ctx.idempotency.key, status, body).catch((error: unknown) =>
        this.log('could not keep an idempotent response', error),
      );
    }
  }
}
