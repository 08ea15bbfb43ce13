import { allows, RESUME_MAX_EVENTS, watchesAll } from '@stockwire/domain';
import { alertAnnouncer } from '../alerts/alert-announcer.js';
import { LowStockMonitor } from '../alerts/low-stock.monitor.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { StoreConfig } from '../env.js';
import type { LiveFeed } from '../realtime/live.feed.js';
import type { RealtimeOptions } from '../realtime/realtime.options.js';
import { SocketGateway } from '../realtime/socket.gateway.js';
import { WsGateway } from '../realtime/ws.gateway.js';
import type { InventoryStore } from '../store/inventory.store.js';
import type { InventoryCache } from '../sync/inventory.cache.js';
import type { CacheListener } from '../sync/inventory.sync.js';
import type { Logger, PinoLogger } from '../telemetry/logger.js';
import type { StoreMetrics } from '../telemetry/metrics.js';

/**
 * The live feeds (Socket.IO, `/ws`) and the low-stock monitor: everything the cache tells of a
 * change, as one listener. The gateways are attached to the HTTP server once it exists.
 */
export function assembleRealtime(
  config: StoreConfig,
  cache: InventoryCache,
  ledger: Pick<InventoryStore, 'listEvents' | 'committedLate'>,
  authenticator: Authenticator,
  metrics: StoreMetrics,
  logger: PinoLogger | Logger,
) {
  const options: RealtimeOptions = {
    corsOrigins: config.http.corsOrigins,
    maxClientMessagesPerSecond: 20,
    admit: async (token) => {
      if (config.access.readsPublic) return true;
      const principal = await authenticator
        .authenticate(token && `Bearer ${token}`)
        .catch(() => null);
      return principal !== null && allows(principal.role, 'read');
    },
  };
  const feed: LiveFeed = {
    views: (filter) => (watchesAll(filter) ? cache.views() : cache.viewsFor(filter)),
    encodedViews: (filter) => cache.encodedViewsFor(filter),
    view: (id, filter) => cache.viewFor(id, filter),
    missed: async (since) => {
      // Newest first, one more than the most a resume replays: that one says "too many".
      const rows = await ledger.listEvents({ after: since }, RESUME_MAX_EVENTS + 1);
      return rows.length > RESUME_MAX_EVENTS ? null : rows.reverse();
    },
    committedLate: (since) => ledger.committedLate(since),
  };
  const sockets = new SocketGateway(config.redis, feed, options);
  const ws = new WsGateway(feed, options);
  const alerts = new LowStockMonitor({
    store: config.store.name,
    viewAt: (id, location) => cache.viewAt(id, location),
    level: (id, location) => cache.level(id, location),
    listeners: [sockets, ws],
    announce: alertAnnouncer(logger, metrics),
  });
  const listeners: CacheListener[] = [sockets, ws, alerts];
  const listener: CacheListener = {
    onUpdate: (u) => listeners.forEach((l) => l.onUpdate(u)),
    onProduct: (p) => listeners.forEach((l) => l.onProduct(p)),
    onSnapshot: (v) => listeners.forEach((l) => l.onSnapshot(v)),
    onLocation: (location) => listeners.forEach((l) => l.onLocation?.(location)),
  };
  return { sockets, ws, alerts, listener };
}

export type Realtime = ReturnType<typeof assembleRealtime>;
