import { createRedisClient, type RedisClient, type RedisTarget } from '../redis/redis.client.js';

/**
 * Claims on Redis, cluster-wide: `SET key NX PX ttl`, so of all the instances that try to claim a
 * key, one succeeds. The relay of database notifications claims each one before relaying it.
 * Each claim is one key, so on a Redis Cluster it goes to the node that owns its slot.
 */
export class RedisClaims {
  private readonly redis: RedisClient;

  constructor(target: RedisTarget) {
    this.redis = createRedisClient(target, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      name: 'stockwire-claims',
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
