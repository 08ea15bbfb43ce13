import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { StoreConfig } from './env.js';
import { RequestDrain } from './http/drain.middleware.js';
import { errorMiddleware, notFound } from './http/error.middleware.js';
import { healthRoutes, type HealthReport } from './http/health.routes.js';
import { inventoryRoutes } from './http/inventory.routes.js';
import { staleHeader } from './http/stale.middleware.js';
import { InventoryService } from './inventory/inventory.service.js';
import { SocketGateway } from './realtime/socket.gateway.js';
import { WsGateway } from './realtime/ws.gateway.js';
import { SupabaseInventoryStore } from './store/supabase.store.js';
import { AntiEntropy } from './sync/anti-entropy.js';
import { InventoryCache } from './sync/inventory.cache.js';
import { InventorySync, type CacheListener } from './sync/inventory.sync.js';
import { OutboxUpdateBus } from './sync/outbox.bus.js';
import { RedisUpdateBus } from './sync/redis.bus.js';

export type Logger = (message: string, error?: unknown) => void;

/** A running store instance. */
export interface StoreInstance {
  config: StoreConfig;
  /** Base URL it listens on, e.g. `http://127.0.0.1:3001`. */
  url: string;
  http: Server;
  sync: InventorySync;
  close(): Promise<void>;
}

/** One line about an error and its causes, without stack traces. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (typeof e === 'object' && 'message' in e && typeof e.message === 'string') {
      parts.push(e.message);
      e = 'cause' in e ? e.cause : undefined;
    } else {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
  }
  return parts.join(' <- ');
}

export const consoleLogger =
  (store: string): Logger =>
  (message, error) => {
    const detail = error === undefined ? '' : `: ${describeError(error)}`;
    console.error(`[${store}] ${message}${detail}`);
  };

/**
 * Assembles and starts one store: cache synced from Supabase and Redis, then HTTP, Socket.IO and
 * `/ws` on one port. Resolves when it serves requests with a ready cache.
 */
export async function startStore(
  config: StoreConfig,
  log: Logger = consoleLogger(config.storeName),
): Promise<StoreInstance> {
  const store = new SupabaseInventoryStore(config.supabaseUrl, config.supabaseServiceRoleKey);
  // Publishes that Redis refuses are held and retried: the writer's part of surviving an outage.
  const bus = new OutboxUpdateBus(
    new RedisUpdateBus(config.redisUrl, {
      onInvalid: (reason) => {
        sync.invalidMessages++;
        log(`dropped an invalid message on inventory_updates (${reason})`);
      },
    }),
    { log },
  );
  const cache = new InventoryCache();
  const snapshot = () => cache.views();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const http = createServer(app);
  const sockets = new SocketGateway(http, config.redisUrl, snapshot);
  const ws = new WsGateway(http, snapshot);
  const gateways: CacheListener[] = [sockets, ws];
  const listener: CacheListener = {
    onUpdate: (u) => gateways.forEach((g) => g.onUpdate(u)),
    onProduct: (p) => gateways.forEach((g) => g.onProduct(p)),
    onSnapshot: (v) => gateways.forEach((g) => g.onSnapshot(v)),
  };
  const sync = new InventorySync(cache, store, bus, listener, {
    gapGraceMs: config.gapGraceMs,
    log,
  });
  const inventory = new InventoryService(
    store,
    cache,
    sync,
    bus,
    { store: config.storeName, instanceId: config.instanceId },
    log,
  );
  const antiEntropy = new AntiEntropy(snapshot, sync, store, {
    intervalMs: config.digestIntervalMs ?? 30_000,
    settleMs: Math.max(2 * config.gapGraceMs, 250),
    log,
  });
  const drain = new RequestDrain();
  const startedAt = Date.now();
  const report = async (): Promise<HealthReport> => {
    const database = (await store.ping().catch(() => false)) ? 'up' : 'down';
    const redis = bus.isConnected() ? 'up' : 'down';
    const { stale, pubsub, ...repair } = sync.health();
    return {
      status: drain.isDraining()
        ? 'stopping'
        : !sync.isReady()
          ? 'starting'
          : database === 'up' && redis === 'up' && !stale
            ? 'ok'
            : 'degraded',
      store: config.storeName,
      instance_id: config.instanceId,
      ready: sync.isReady(),
      redis,
      database,
      cache: { products: cache.size },
      clients: { socketio: sockets.clients, ws: ws.clients },
      requests_in_flight: drain.requests,
      resyncs: sync.resyncs,
      stale,
      sync: repair,
      pubsub,
      digest: antiEntropy.health(),
      outbox: bus.health(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    };
  };

  app.use(drain.middleware);
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRoutes(report, () => sync.isReady() && !drain.isDraining()));
  app.use(
    ['/inventory', '/products'],
    staleHeader(() => sync.isStale()),
  );
  app.use(inventoryRoutes(inventory));
  app.use(notFound);
  app.use(errorMiddleware(log));

  try {
    await sync.start();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, resolve);
    });
  } catch (error) {
    sync.close();
    await Promise.allSettled([bus.close(), sockets.close(), ws.close()]);
    throw error;
  }
  antiEntropy.start();
  const { port } = http.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  let closing: Promise<void> | null = null;
  return {
    config,
    url: `http://${host}:${port}`,
    http,
    sync,
    close: () =>
      (closing ??= (async () => {
        // Stop accepting, move live clients on, finish what is in flight, then let go of Redis.
        const timeoutMs = config.shutdownTimeoutMs ?? 10_000;
        drain.begin();
        http.close();
        const notice = {
          store: config.storeName,
          reason: 'store stopping',
          reconnect: true as const,
        };
        sockets.announceShutdown(notice);
        ws.announceShutdown(notice);
        await ws.close();
        // Closing Socket.IO closes the HTTP server too, which waits for every connection to end.
        const socketsClosed = sockets.close();
        if (!(await drain.idle(timeoutMs))) {
          log(`closing with ${drain.requests} request(s) still in flight`);
        }
        http.closeAllConnections(); // now idle keep-alive ones only, unless the timeout passed
        await socketsClosed;
        antiEntropy.stop();
        sync.close();
        await bus.drain(Math.min(timeoutMs, 2000));
        await bus.close();
      })()),
  };
}
