import { createRedisClient, type RedisClient, type RedisTarget } from '../redis/redis.client.js';

/** Whether limits are being counted now; when not, why (what the last count failed with). */
export type RateLimitEnforcement =
  { status: 'enforced' } | { status: 'not_enforced'; reason: string; since: string };

/** Counts hits per bucket in a fixed window shared by every instance. */
export interface RateLimiter {
  hit(
    bucket: string,
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; retryAfterMs: number }>;
  /** What the last hit found: counted, or let through uncounted. */
  enforcement(): RateLimitEnforcement;
  close(): Promise<void>;
}

// One round trip: count the hit, start the window on the first one, report what is left of it.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/**
 * {@link RateLimiter} on Redis. When Redis is down it lets requests through (and says so once, in
 * the log and in {@link enforcement}): writes must keep working while Redis is away, the database
 * still guards the stock. A bucket is one key, so on a Redis Cluster the script runs on the node
 * that owns it; the client follows `MOVED` there rather than taking it for an outage.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RedisClient;
  private state: RateLimitEnforcement = { status: 'enforced' };

  constructor(
    target: RedisTarget,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    this.redis = createRedisClient(target, {
      name: 'stockwire-ratelimit',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    this.redis.on('error', () => {});
  }

  async hit(
    bucket: string,
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; retryAfterMs: number }> {
    try {
      const [count, ttl] = (await this.redis.eval(
        HIT,
        1,
        `stockwire:ratelimit:${bucket}`,
        windowMs,
      )) as [number, number];
      if (this.state.status === 'not_enforced') this.log('rate limits enforced again');
      this.state = { status: 'enforced' };
      return { allowed: count <= limit, retryAfterMs: ttl > 0 ? ttl : windowMs };
    } catch (error) {
      if (this.state.status === 'enforced') {
        this.log('rate limits not enforced while Redis is unavailable', error);
        this.state = {
          status: 'not_enforced',
          reason: error instanceof Error ? error.message : String(error),
          since: new Date().toISOString(),
        };
      }
      return { allowed: true, retryAfterMs: 0 };
    }
  }

  enforcement(): RateLimitEnforcement {
    return this.state;
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
