import { ERROR_CODES, StockwireError, type Principal } from '@stockwire/domain';
import type { RequestHandler, Response } from 'express';
import { authorize, type Authenticator } from '../auth/authenticator.js';
import type { RateLimiter } from '../auth/rate-limiter.js';

/** Reads the credential, if any, for the routes to authorise against. A bad one is a 401 at once. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    res.locals.principal = await authenticator.authenticate(req.get('authorization'));
    next();
  };
}

export function principalOf(res: Response): Principal | null {
  return (res.locals.principal as Principal | null | undefined) ?? null;
}

/** With public reads off, every read needs a credential of any role. */
export function guardReads(readsPublic: boolean): RequestHandler {
  return (req, res, next) => {
    if (!readsPublic && (req.method === 'GET' || req.method === 'HEAD'))
      authorize(principalOf(res), 'read');
    next();
  };
}

export interface RateLimits {
  windowMs: number;
  /** Writes per window per credential; 0 turns the limit off. */
  perCredential: number;
  /** Writes per window per client address; 0 turns the limit off. */
  perIp: number;
}

/**
 * Limits writes per credential and per client address, counted in Redis so that the budget is
 * shared by every store. Answers 429 with `Retry-After` when spent.
 */
export function limitWrites(limiter: RateLimiter, limits: RateLimits): RequestHandler {
  return async (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const principal = principalOf(res);
    const buckets: Array<[string, number]> = [[`ip:${req.ip ?? 'unknown'}`, limits.perIp]];
    if (principal) buckets.push([`actor:${principal.actor}`, limits.perCredential]);
    for (const [bucket, limit] of buckets) {
      if (limit <= 0) continue;
      const { allowed, retryAfterMs } = await limiter.hit(bucket, limit, limits.windowMs);
      if (!allowed) {
        const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
        res.set('Retry-After', String(seconds));
        throw new StockwireError(
          ERROR_CODES.RATE_LIMITED,
          `Too many writes; try again in ${seconds} s`,
          {
            retry_after_seconds: seconds,
          },
        );
      }
    }
    next();
  };
}
