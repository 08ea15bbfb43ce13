import { Redis } from 'ioredis';

/**
 * Claims on Redis, cluster-wide: `SET key NX PX ttl`, so of all the instances that try to claim a
 * key, one succeeds. The relay of database notifications claims each one before relaying it.
 */
export class RedisClaims {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
      connectionName: 'stockwire-claims',
    });
    // Errors surface through claim(); without a listener ioredis would log them.
    this.redis.on('error', () => {});
  }

  /** Whether this caller is the first to claim `key` within `ttlMs`; rejects if Redis is away. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.redis.status === 'wait') await this.redis.connect();
    return (await this.redis.set(key, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
