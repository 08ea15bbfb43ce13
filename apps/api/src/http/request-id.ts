import { randomUUID } from 'node:crypto';
import type { Request } from 'express';

/** The caller's `X-Request-Id` if sane, else a new one; it is recorded in the ledger. */
export function requestId(req: Request): string {
  const given = req.get('x-request-id');
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
