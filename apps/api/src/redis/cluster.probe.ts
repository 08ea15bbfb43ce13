import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, type RedisTarget } from './redis.client.js';

/** What `/health` says of a Redis Cluster. */
export interface ClusterHealth {
  /** `up`: every master answers and the cluster serves all slots; `degraded`: a master is silent
   * (failing over), so writes to its slots wait; `down`: the cluster serves no slot, or nothing
   * answers. */
  status: 'up' | 'degraded' | 'down';
  /** `cluster_state` as an answering node reports it; `unknown` when none answers. */
  state: 'ok' | 'fail' | 'unknown';
  /** The masters the client knows of, and those that did not answer a PING in time. */
  masters: number;
  masters_unreachable: number;
}

/** A PING to `node` that counts as failed after `timeoutMs`. */
async function answers(node: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
  try {
    return await Promise.race([
      node.ping().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Looks at a Redis Cluster as it is now, for `/health`: the client itself stays `ready` through a
 * failover (it retries and follows redirections), so that cannot tell an operator that a master
 * is gone or that the cluster is down. Asks every known master, and one of them for
 * `CLUSTER INFO`, on a connection of its own.
 */
export class ClusterProbe {
  private readonly cluster: Cluster;

  constructor(target: RedisTarget) {
    this.cluster = createRedisClient(target, {
      name: 'stockwire-health',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    }) as Cluster;
    this.cluster.on('error', () => {});
  }

  async check(timeoutMs = 500): Promise<ClusterHealth> {
    if (this.cluster.status === 'wait') await this.cluster.connect().catch(() => {});
    const masters = this.cluster.nodes('master');
    const reachable = await Promise.all(masters.map((node) => answers(node, timeoutMs)));
    const answering = masters.filter((_, i) => reachable[i]);
    let state: ClusterHealth['state'] = 'unknown';
    const first = answering[0];
    if (first) {
      const info = String(await first.call('CLUSTER', 'INFO').catch(() => ''));
      const match = /cluster_state:(\w+)/.exec(info);
      if (match?.[1] === 'ok' || match?.[1] === 'fail') state = match[1];
    }
    const unreachable = masters.length - answering.length;
    return {
      status: state !== 'ok' ? 'down' : unreachable > 0 ? 'degraded' : 'up',
      state,
      masters: masters.length,
      masters_unreachable: unreachable,
    };
  }

  close(): Promise<void> {
    this.cluster.disconnect();
    return Promise.resolve();
  }
}
