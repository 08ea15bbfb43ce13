import { Redis } from 'ioredis';

/** Counts hits per bucket in a fixed window shared by every instance. */
export interface RateLimiter {
  hit(
    bucket: string,
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; retryAfterMs: number }>;
  close(): Promise<void>;
}

// One round trip: count the hit, start the window on the first one, report what is left of it.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/**
 * {@link RateLimiter} on Redis. When Redis is down it lets requests through (and says so once):
 * writes must keep working while Redis is away, the database still guards the stock.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private warned = false;

  constructor(
    url: string,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    this.redis = new Redis(url, {
      connectionName: 'stockwire-ratelimit',
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
      this.warned = false;
      return { allowed: count <= limit, retryAfterMs: ttl > 0 ? ttl : windowMs };
    } catch (error) {
      if (!this.warned) this.log('rate limits not enforced while Redis is unavailable', error);
      this.warned = true;
      return { allowed: true, retryAfterMs: 0 };
    }
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
