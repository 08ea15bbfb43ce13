import type { RateLimitEnforcement } from '../auth/rate-limiter.js';
import type { ClusterHealth } from '../redis/cluster.probe.js';
import type { DigestHealth } from '../sync/anti-entropy.js';
import type { ExternalWritesMode, ListenerHealth } from '../sync/external-writes.relay.js';
import type { SyncHealth } from '../sync/inventory.sync.js';
import type { OutboxHealth } from '../sync/outbox.bus.js';
import { reply, type Route } from './route.js';

/** What a store needs to answer before it serves. */
export type Dependency = 'redis' | 'database';

/** `GET /ready`'s answer. */
export interface Readiness {
  ready: boolean;
  /** Why not, in words; absent when ready. */
  reason?: string;
  /** What the store still waits for, when that is why it is not ready. */
  waiting_for?: Dependency[];
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'starting' | 'stopping';
  store: string;
  instance_id: string;
  ready: boolean;
  /** On a Redis Cluster also `degraded`: a master does not answer (failing over). */
  redis: 'up' | 'degraded' | 'down';
  /** Present on a Redis Cluster: what it reports now. */
  redis_cluster?: ClusterHealth;
  /**
   * Whether the write limits are being counted: `not_enforced` (with the error, and since when)
   * while Redis cannot count them and writes go through uncounted; `off` when none is configured.
   */
  rate_limits: RateLimitEnforcement | { status: 'off' };
  database: 'up' | 'down';
  cache: { products: number };
  clients: { socketio: number; ws: number };
  /** HTTP requests being handled, this one included. */
  requests_in_flight: number;
  resyncs: number;
  /** Reads are marked `X-Stockwire-Stale: true` while this is. */
  stale: boolean;
  sync: Omit<SyncHealth, 'stale' | 'pubsub'>;
  pubsub: SyncHealth['pubsub'];
  /** The last anti-entropy check of the cache against the database. */
  digest: DigestHealth;
  /**
   * How writes made outside the stores reach this one: `listen`, within milliseconds, while it
   * listens to the database; `digest`, at the next digest check, without a direct connection.
   */
  external_writes: ExternalWritesMode;
  listener: ListenerHealth;
  outbox: OutboxHealth;
  uptime_seconds: number;
}

/**
 * `GET /health` (always 200, with what is up) and `GET /ready` (200 once the store serves a synced
 * cache; 503 with the reason before, e.g. what it waits for, and while it stops).
 */
export function healthRoutes(
  report: () => Promise<HealthReport>,
  readiness: () => Readiness,
): Route[] {
  return [
    { method: 'GET', path: '/health', open: true, handle: async () => reply(await report()) },
    {
      method: 'GET',
      path: '/ready',
      open: true,
      handle: () => {
        const answer = readiness();
        return reply(answer, answer.ready ? 200 : 503);
      },
    },
  ];
}
