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
 * Spends one write of the client address's budget and the credential's, counted in Redis so that
 * the budget is shared by every store. Throws `rate_limited` (429, with `Retry-After`) when spent.
 */
export async function spendWriteBudget(
  limiter: RateLimiter,
  limits: RateLimits,
  ip: string,
  principal: Principal | null,
): Promise<void> {
  const buckets: Array<[string, number]> = [[`ip:${ip}`, limits.perIp]];
  if (principal) buckets.push([`actor:${principal.actor}`, limits.perCredential]);
  for (const [bucket, limit] of buckets) {
    if (limit <= 0) continue;
    const { allowed, retryAfterMs } = await limiter.hit(bucket, limit, limits.windowMs);
    if (!allowed) {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new StockwireError(
        ERROR_CODES.RATE_LIMITED,
        `Too many writes; try again in ${seconds} s`,
        {
          retry_after_seconds: seconds,
        },
      );
    }
  }
}

/** {@link spendWriteBudget} for every request that is not a read. */
export function limitWrites(limiter: RateLimiter, limits: RateLimits): RequestHandler {
  return async (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    await spendWriteBudget(limiter, limits, req.ip ?? 'unknown', principalOf(res));
    next();
  };
}
