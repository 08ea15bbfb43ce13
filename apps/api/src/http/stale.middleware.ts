import type { RequestHandler } from 'express';

/** Response header on reads from the cache: `true` while the cache may be missing changes. */
export const STALE_HEADER = 'X-Stockwire-Stale';

/**
 * Marks reads served from the cache as stale while the store cannot hear other stores' changes
 * (Redis down, or a resync after it still owed). Bodies stay as they are; the header says it.
 */
export function staleHeader(isStale: () => boolean): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') res.set(STALE_HEADER, String(isStale()));
    next();
  };
}
