import { Cluster, Redis } from 'ioredis';

/** One node of a Redis Cluster, as `REDIS_CLUSTER_NODES` names it. */
export interface ClusterNode {
  host: string;
  port: number;
}

/**
 * Where a store's Redis is: one node at `url`, or, when `clusterNodes` names any, a Redis Cluster
 * reached through those nodes (the client learns the rest of the cluster from them).
 */
export interface RedisTarget {
  url: string;
  /** @default [] (one node, at `url`) */
  clusterNodes?: readonly ClusterNode[];
}

/** A connection to either: both speak the same commands, routed by key on a cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Shown by `CLIENT LIST` on every node it connects to. */
  name: string;
  /** Connect at the first command (or `connect()`), not at once. @default false */
  lazyConnect?: boolean;
  /** Retries of a command over reconnects; `null` waits for ever (blocking readers). @default 20 */
  maxRetriesPerRequest?: number | null;
  /** Queue commands while disconnected, rather than failing them. @default true */
  enableOfflineQueue?: boolean;
  /** Commands sent in one tick go out as one write. @default false */
  enableAutoPipelining?: boolean;
  /**
   * On a cluster: one subscriber connection per shard, so `SSUBSCRIBE` reaches the node that owns
   * each shard channel (what the sharded Socket.IO adapter needs). @default false
   */
  shardedSubscribers?: boolean;
}

/** Back soon after Redis is: at most a second between attempts. */
const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 1000);

/** Whether `target` is a Redis Cluster. */
export const isCluster = (target: RedisTarget): boolean => (target.clusterNodes?.length ?? 0) > 0;

/**
 * The one way a store connects to Redis: a single-node client, or on a cluster an ioredis
 * `Cluster` that follows `MOVED` and `ASK` redirections, waits out `TRYAGAIN` and `CLUSTERDOWN`
 * for a while (a failover), and learns the new topology after one. Every Redis use in the store
 * is built here, so a deployment switches all of them at once.
 */
export function createRedisClient(target: RedisTarget, options: RedisClientOptions): RedisClient {
  const common = {
    ...(options.lazyConnect !== undefined && { lazyConnect: options.lazyConnect }),
    ...(options.enableOfflineQueue !== undefined && {
      enableOfflineQueue: options.enableOfflineQueue,
    }),
    ...(options.enableAutoPipelining !== undefined && {
      enableAutoPipelining: options.enableAutoPipelining,
    }),
  };
  const perConnection = {
    connectionName: options.name,
    ...(options.maxRetriesPerRequest !== undefined && {
      maxRetriesPerRequest: options.maxRetriesPerRequest,
    }),
  };
  if (!isCluster(target)) {
    return new Redis(target.url, { ...common, ...perConnection, retryStrategy: reconnectDelay });
  }
  return new Cluster([...(target.clusterNodes ?? [])], {
    ...common,
    shardedSubscribers: options.shardedSubscribers ?? false,
    clusterRetryStrategy: reconnectDelay,
    // A failover takes the cluster-node-timeout and an election: retry a command meanwhile
    // rather than fail it at the first CLUSTERDOWN or TRYAGAIN.
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    retryDelayOnFailover: 200,
    redisOptions: perConnection,
  });
}
