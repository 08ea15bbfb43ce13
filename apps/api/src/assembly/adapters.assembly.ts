import { RedisRateLimiter } from '../auth/rate-limiter.js';
import type { Probes } from './readiness.gate.js';
import { ClusterProbe } from '../redis/cluster.probe.js';
import { isCluster } from '../redis/redis.client.js';
import type { StoreConfig } from '../env.js';
import { withGroupCommit } from '../store/batching.store.js';
import { SupabaseInventoryStore } from '../store/supabase.store.js';
import { SupabaseTransferStore } from '../store/supabase-transfer.store.js';
import { SupabaseWebhookStore } from '../store/supabase-webhook.store.js';
import { InventoryCache } from '../sync/inventory.cache.js';
import { LocationDirectory } from '../sync/location.directory.js';
import type { ListenerLink } from '../sync/external-writes.relay.js';
import { OutboxUpdateBus } from '../sync/outbox.bus.js';
import { PostgresStockListener } from '../sync/postgres.listener.js';
import { RedisUpdateBus } from '../sync/redis.bus.js';
import { RedisClaims } from '../sync/redis.claims.js';
import type { Logger } from '../telemetry/logger.js';
import { meteredBus } from '../telemetry/metered.js';
import type { StoreMetrics } from '../telemetry/metrics.js';

/** The technologies a store talks to, each behind its port. */
export function assembleAdapters(config: StoreConfig, metrics: StoreMetrics, log: Logger) {
  const database = new SupabaseInventoryStore(
    config.database.supabaseUrl,
    config.database.serviceRoleKey,
    config.store.name,
  );
  const { groupCommitMax } = config.database;
  const batching =
    groupCommitMax > 0 ? withGroupCommit(database, { maxBatch: groupCommitMax }) : null;
  const redis = new RedisUpdateBus(config.redis);
  // With a direct database connection, writes made outside the stores are heard of at once.
  const listener: ListenerLink | null = config.database.url
    ? {
        source: new PostgresStockListener(config.database.url, {
          applicationName: `stockwire-listener ${config.store.instanceId}`.slice(0, 63),
          log,
        }),
        claims: new RedisClaims(config.redis),
      }
    : null;
  return {
    store: batching ?? database,
    groupCommits: batching?.groupCommits ?? null,
    // Publishes that Redis refuses are held and retried: the writer's part of surviving an outage.
    bus: new OutboxUpdateBus(meteredBus(redis, metrics), { log }),
    limiter: new RedisRateLimiter(config.redis, log),
    /** On a Redis Cluster, what `/health` asks of it; the bus's connections cannot tell. */
    clusterProbe: isCluster(config.redis) ? new ClusterProbe(config.redis) : null,
    cache: new InventoryCache(),
    locations: new LocationDirectory(() => database.listLocations()),
    transfers: new SupabaseTransferStore(
      config.database.supabaseUrl,
      config.database.serviceRoleKey,
      config.store.name,
    ),
    webhooks: new SupabaseWebhookStore(config.database.supabaseUrl, config.database.serviceRoleKey),
    /** Whether Redis and the database answer now: what a starting store waits for. */
    probes: { redis: () => redis.ping(), database: () => database.ping() } satisfies Probes,
    listener,
  };
}

export type Adapters = ReturnType<typeof assembleAdapters>;
