import { createHash } from 'node:crypto';
import { IdempotencyKeySchema, type Principal } from '@stockwire/domain';
import type { Outcome, RequestContext } from '../inventory/request.context.js';
import type { Logger } from '../telemetry/logger.js';
import { reply, type Reply, type RouteRequest } from './route.js';
import { parse } from './validate.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The request id and, if the client sent `Idempotency-Key`, the key scoped to this operation. */
export function requestContext(
  req: RouteRequest,
  who: Principal,
  ttlSeconds: number,
): RequestContext {
  const ctx: RequestContext = { requestId: req.requestId, actor: who.actor };
  const header = req.headers['idempotency-key'];
  if (header === undefined) return ctx;
  const key = parse(IdempotencyKeySchema, header, 'header', IDEMPOTENCY_HEADER);
  const q = req.url.indexOf('?');
  ctx.idempotency = {
    key,
    scope: `${req.method} ${q < 0 ? req.url : req.url.slice(0, q)}`,
    hash: createHash('sha256')
      .update(JSON.stringify(req.body ?? null))
      .digest('hex'),
    ttl_seconds: ttlSeconds,
  };
  return ctx;
}

/**
 * A write's reply. A replay gets the first response verbatim (marked with
 * `Idempotent-Replayed: true`); a first keyed response is kept for later retries.
 */
export class IdempotentResponder {
  constructor(
    private readonly save: (key: string, status: number, body: unknown) => Promise<void>,
    private readonly log: Logger,
  ) {}

  reply<T>(ctx: RequestContext, outcome: Outcome<T>, status: number, body: unknown): Reply {
    const headers = outcome.replayed ? { 'idempotent-replayed': 'true' } : undefined;
    if (outcome.replay) return reply(outcome.replay.body, outcome.replay.status, headers);
    if (ctx.idempotency && !outcome.replayed) {
      this.save(ctx.idempotency.key, status, body).catch((error: unknown) =>
        this.log('could not keep an idempotent response', error),
      );
    }
    return reply(body, status, headers);
  }
}
