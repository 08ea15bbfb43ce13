import { randomUUID } from 'node:crypto';
import type { Request } from 'express';

/** A caller's `X-Request-Id` is kept if it is sane; it ends up in the ledger, so it is bounded. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` header if sane, else a new id. */
export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * The request's id (given by the request logger), else the caller's `X-Request-Id` if sane,
 * else a new one; it is recorded in the ledger.
 */
export function requestId(req: Request): string {
  return typeof req.id === 'string' ? req.id : requestIdFrom(req.get('x-request-id'));
}
