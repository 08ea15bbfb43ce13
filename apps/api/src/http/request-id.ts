import { randomUUID } from 'node:crypto';

/** A caller's `X-Request-Id` is kept if it is sane; it ends up in the ledger, so it is bounded. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` header if sane, else a new id. */
export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}
