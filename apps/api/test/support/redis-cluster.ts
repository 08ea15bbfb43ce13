import { join } from 'node:path';
import { PROJECT_ROOT, startRedisCluster, type RedisCluster } from '@stockwire/local-stack';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { ClusterNode } from '../../src/redis/redis.client.js';

/** The nodes a store is given for `cluster` (its `REDIS_CLUSTER_NODES`). */
export const clusterNodes = (cluster: RedisCluster): ClusterNode[] =>
  cluster.servers.map((s) => ({ host: '127.0.0.1', port: s.port }));

/**
 * Starts a Redis Cluster of its own (3 masters, 3 replicas, from `redis-server` on PATH) before
 * the tests of the enclosing file or `describe` block, and stops it after. Returns an accessor for
 * it, to call from tests and hooks, and a client of it for what the tests send and read.
 */
export function useRedisCluster(): () => { cluster: RedisCluster; client: Cluster } {
  let running: { cluster: RedisCluster; client: Cluster } | undefined;
  beforeAll(async () => {
    const cluster = await startRedisCluster(
      join(PROJECT_ROOT, '.data', 'test', `redis-cluster-${process.pid}`),
    );
    const client = new Cluster(clusterNodes(cluster), {
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      retryDelayOnFailover: 200,
    });
    client.on('error', () => {});
    running = { cluster, client };
  }, 60_000);
  afterAll(async () => {
    running?.client.disconnect();
    await running?.cluster.stop();
    running = undefined;
  });
  return () => {
    if (!running) throw new Error('the Redis Cluster is not running');
    return running;
  };
}
