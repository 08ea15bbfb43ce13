import { ERROR_CODES, StockwireError, type Principal } from '@stockwire/domain';
import type { RateLimiter } from './rate-limiter.js';

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
        { retry_after_seconds: seconds },
      );
    }
  }
}
