import { randomUUID } from 'node:crypto';
import type { Request } from 'express';

/**
 * The request's id (given by the request logger), else the caller's `X-Request-Id` if sane,
 * else a new one; it is recorded in the ledger.
 */
export function requestId(req: Request): string {
  if (typeof req.id === 'string') return req.id;
  const given = req.get('x-request-id');
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
