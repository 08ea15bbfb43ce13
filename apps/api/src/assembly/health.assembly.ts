import type { HealthReport } from '../http/health.routes.js';
import type { RateLimits } from '../auth/write-budget.js';
import type { RequestDrain } from '../http/request.drain.js';
import type { AntiEntropy } from '../sync/anti-entropy.js';
import type { ExternalWritesRelay } from '../sync/external-writes.relay.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { Adapters } from './adapters.assembly.js';
import type { Realtime } from './realtime.assembly.js';

type UpDown = 'up' | 'down';

export interface HealthSources {
  store: { name: string; instanceId: string };
  adapters: Adapters;
  sync: InventorySync;
  realtime: Realtime;
  antiEntropy: AntiEntropy;
  externalWrites: ExternalWritesRelay;
  drain: RequestDrain;
  /** The write limits configured: `/health` says `off` when both are 0. */
  limits: RateLimits;
}

/** `GET /health`: what is up, and the state of sync, repair and the outbox. */
export function healthReport(s: HealthSources): () => Promise<HealthReport> {
  const startedAt = Date.now();
  return async () => {
    const { store, bus, cache, clusterProbe, limiter } = s.adapters;
    const [database, cluster] = await Promise.all([
      store.ping().then(
        (up): UpDown => (up ? 'up' : 'down'),
        (): UpDown => 'down',
      ),
      clusterProbe?.check(),
    ]);
    const redis = cluster ? cluster.status : bus.isConnected() ? 'up' : 'down';
    const { perCredential, perIp } = s.limits;
    const limits =
      perCredential > 0 || perIp > 0 ? limiter.enforcement() : { status: 'off' as const };
    const { stale, pubsub, ...repair } = s.sync.health();
    const draining = s.drain.isDraining();
    const ok = database === 'up' && redis === 'up' && !stale;
    return {
      status: draining ? 'stopping' : !s.sync.isReady() ? 'starting' : ok ? 'ok' : 'degraded',
      store: s.store.name,
      instance_id: s.store.instanceId,
      ready: s.sync.isReady(),
      redis,
      ...(cluster && { redis_cluster: cluster }),
      rate_limits: limits,
      database,
      cache: { products: cache.size },
      clients: { socketio: s.realtime.sockets.clients, ws: s.realtime.ws.clients },
      requests_in_flight: s.drain.requests,
      resyncs: s.sync.resyncs,
      stale,
      sync: repair,
      pubsub,
      digest: s.antiEntropy.health(),
      external_writes: s.externalWrites.mode(),
      listener: s.externalWrites.health(),
      outbox: bus.health(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    };
  };
}
