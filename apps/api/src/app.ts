import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allows } from '@stockwire/domain';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import proxyAddr from 'proxy-addr';
import { ApiKeyRegistry } from './auth/api-keys.js';
import { Authenticator } from './auth/authenticator.js';
import { RedisRateLimiter } from './auth/rate-limiter.js';
import {
  authenticate,
  guardReads,
  limitWrites,
  spendWriteBudget,
} from './http/access.middleware.js';
import { keyRoutes } from './http/keys.routes.js';
import type { RealtimeOptions } from './realtime/realtime.options.js';
import type { StoreConfig } from './env.js';
import { apiDocument } from './http/api.openapi.js';
import { dashboardRoutes } from './http/dashboard.routes.js';
import { docsRoutes } from './http/docs.routes.js';
import { RequestDrain } from './http/drain.middleware.js';
import { errorMiddleware, notFound } from './http/error.middleware.js';
import { healthRoutes, type HealthReport } from './http/health.routes.js';
import { IdempotentResponder } from './http/idempotency.js';
import { FAST_READ_ROUTE, fastInventoryRead, headersSetBy } from './http/inventory.fast-read.js';
import { fastStockUpdate } from './http/inventory.fast-write.js';
import {
  inventoryRoutes,
  STOCK_UPDATE_ROUTE,
  stockUpdateRequest,
} from './http/inventory.routes.js';
import { orderRoutes } from './http/order.routes.js';
import { reservationRoutes } from './http/reservation.routes.js';
import { ChangePublisher } from './inventory/change.publisher.js';
import { STALE_HEADER, staleHeader } from './http/stale.middleware.js';
import { InventoryService } from './inventory/inventory.service.js';
import { OrderService } from './inventory/order.service.js';
import { ReservationService } from './inventory/reservation.service.js';
import { Sweeper } from './inventory/sweeper.js';
import { OrderStreamConsumer, STREAMS } from './queues/order.streams.js';
import { alertAnnouncer } from './alerts/alert-announcer.js';
import { LowStockMonitor } from './alerts/low-stock.monitor.js';
import { HistoryService } from './history/history.service.js';
import { historyRoutes } from './http/history.routes.js';
import { metricsRoutes } from './http/metrics.routes.js';
import { httpMetrics, UNMATCHED_ROUTE } from './telemetry/http-metrics.middleware.js';
import {
  createLogger,
  logRequest,
  messageLogger,
  requestLogger,
  silentLogger,
  type PinoLogger,
} from './telemetry/logger.js';
import { meteredBus, meteredStore } from './telemetry/metered.js';
import { StoreMetrics, watchInstance } from './telemetry/metrics.js';
import { SocketGateway } from './realtime/socket.gateway.js';
import { WsGateway } from './realtime/ws.gateway.js';
import { withGroupCommit } from './store/batching.store.js';
import { SupabaseInventoryStore } from './store/supabase.store.js';
import { AntiEntropy } from './sync/anti-entropy.js';
import { InventoryCache } from './sync/inventory.cache.js';
import { InventorySync, type CacheListener } from './sync/inventory.sync.js';
import { OutboxUpdateBus } from './sync/outbox.bus.js';
import { RedisUpdateBus } from './sync/redis.bus.js';

export type Logger = (message: string, error?: unknown) => void;

/** The largest request body a store reads (64 KiB). */
const BODY_LIMIT_BYTES = 64 * 1024;

/** A running store instance. */
export interface StoreInstance {
  config: StoreConfig;
  /** Base URL it listens on, e.g. `http://127.0.0.1:3001`. */
  url: string;
  app: Express;
  http: Server;
  sync: InventorySync;
  metrics: StoreMetrics;
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

/** The logger of a store configured like this: pino, JSON or pretty as configured. */
export function storeLogger(config: StoreConfig): PinoLogger {
  return createLogger({
    store: config.storeName,
    instanceId: config.instanceId,
    level: config.logLevel,
    format: config.logFormat,
  });
}

/**
 * Assembles and starts one store: cache synced from Supabase and Redis, then HTTP, Socket.IO and
 * `/ws` on one port. Resolves when it serves requests with a ready cache.
 *
 * Logs go to `logger`: a pino logger (then requests are logged too), or a plain {@link Logger}
 * function that receives the store's messages only.
 */
export async function startStore(
  config: StoreConfig,
  logger: Logger | PinoLogger = storeLogger(config),
): Promise<StoreInstance> {
  const pinoLogger = typeof logger === 'function' ? null : logger;
  const log: Logger = typeof logger === 'function' ? logger : messageLogger(logger);
  const metrics = new StoreMetrics(config.storeName);
  const database = new SupabaseInventoryStore(config.supabaseUrl, config.supabaseServiceRoleKey);
  const groupCommitMax = config.groupCommitMax ?? 128;
  const batching =
    groupCommitMax > 0 ? withGroupCommit(database, { maxBatch: groupCommitMax }) : null;
  const store = meteredStore(batching ?? database, metrics);
  // Publishes that Redis refuses are held and retried: the writer's part of surviving an outage.
  const bus = meteredBus(
    new OutboxUpdateBus(
      new RedisUpdateBus(config.redisUrl, {
        onInvalid: (reason) => {
          sync.invalidMessages++;
          log(`dropped an invalid message on inventory_updates (${reason})`);
        },
      }),
      { log },
    ),
    metrics,
  );
  const cache = new InventoryCache();
  const snapshot = () => cache.views();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const fastReads = metrics.httpDuration.labels('GET', FAST_READ_ROUTE, '200');
  const securityHeaders = helmet();
  const corsHeaders = cors({ origin: config.corsOrigins, credentials: false });
  const keys = new ApiKeyRegistry(config.apiKeys, store);
  const authenticator = new Authenticator(keys, config.jwtSecret);
  const limiter = new RedisRateLimiter(config.redisUrl, log);
  const drain = new RequestDrain();
  const lastingHeaders = headersSetBy([securityHeaders, corsHeaders]);
  // The two hottest routes are answered before Express, which costs several times what they need;
  // everything else, and every request they do not take on, goes through Express.
  const fastWrite = fastStockUpdate(
    {
      bodyLimit: BODY_LIMIT_BYTES,
      enabled: () => !drain.isDraining(),
      headers: lastingHeaders,
      track: (res) => drain.track(res),
      // As Express's req.ip; a connection already gone has no address.
      ip: (req) =>
        proxyAddr(req, app.get('trust proxy fn') as (addr: string, i: number) => boolean) ??
        'unknown',
      authenticate: (authorization) => authenticator.authenticate(authorization),
      limit: (ip, principal) => spendWriteBudget(limiter, config.rateLimits, ip, principal),
      check: stockUpdateRequest,
      update: async (productId, request, ctx) =>
        (await inventory.updateStock(productId, request, ctx)).value,
      answered: ({ id, req, status, routed, ms }) => {
        metrics.httpDuration
          .labels('POST', routed ? STOCK_UPDATE_ROUTE : UNMATCHED_ROUTE, String(status))
          .observe(ms / 1000);
        if (pinoLogger) {
          logRequest(pinoLogger, {
            id,
            method: 'POST',
            url: req.url ?? '',
            remoteAddress: req.socket.remoteAddress,
            status,
            ms,
          });
        }
      },
      log,
    },
    app,
  );
  const http = createServer(
    fastInventoryRead(
      {
        encoded: (id) => cache.encoded(id),
        enabled: () => config.readsPublic && !drain.isDraining(),
        headers: lastingHeaders,
        current: () => ({ [STALE_HEADER]: String(sync.isStale()) }),
        observe: (seconds) => fastReads.observe(seconds),
      },
      fastWrite,
    ),
  );
  const realtime: RealtimeOptions = {
    corsOrigins: config.corsOrigins,
    maxClientMessagesPerSecond: 20,
    admit: async (token) => {
      if (config.readsPublic) return true;
      const principal = await authenticator
        .authenticate(token && `Bearer ${token}`)
        .catch(() => null);
      return principal !== null && allows(principal.role, 'read');
    },
  };
  const sockets = new SocketGateway(http, config.redisUrl, snapshot, realtime);
  const ws = new WsGateway(http, snapshot, realtime);
  const alerts = new LowStockMonitor({
    store: config.storeName,
    view: (id) => cache.view(id),
    listeners: [sockets, ws],
    announce: alertAnnouncer(pinoLogger ?? log, metrics),
  });
  const gateways: CacheListener[] = [sockets, ws, alerts];
  const listener: CacheListener = {
    onUpdate: (u) => gateways.forEach((g) => g.onUpdate(u)),
    onProduct: (p) => gateways.forEach((g) => g.onProduct(p)),
    onSnapshot: (v) => gateways.forEach((g) => g.onSnapshot(v)),
  };
  const sync = new InventorySync(cache, store, bus, listener, {
    gapGraceMs: config.gapGraceMs,
    log,
    onKeyRevoked: (id) => keys.forget(id),
  });
  const publisher = new ChangePublisher(
    sync,
    bus,
    sockets,
    { store: config.storeName, instanceId: config.instanceId },
    log,
  );
  const inventory = new InventoryService(store, cache, publisher);
  const reservations = new ReservationService(store, publisher, {
    defaultTtlSeconds: config.reservationTtlSeconds,
  });
  const orders = new OrderService(store, publisher);
  const responder = new IdempotentResponder(
    (key, status, body) => store.saveIdempotentResponse(key, status, body),
    log,
  );
  const streamActor = `stream:${STREAMS.orders}`;
  const streams = config.orderStreams
    ? new OrderStreamConsumer(
        config.redisUrl,
        {
          placeOrder: async (order, entryId) =>
            (await orders.place(order, { requestId: `stream:${entryId}`, actor: streamActor }))
              .value.response,
          createProduct: async (product, entryId) => {
            await inventory.createProduct(product, {
              requestId: `stream:${entryId}`,
              actor: streamActor,
            });
          },
        },
        {
          consumer: config.instanceId,
          store: config.storeName,
          claimIdleMs: config.streamClaimIdleMs,
          blockMs: 1000,
        },
        log,
      )
    : null;
  const sweeper = new Sweeper(log);
  const antiEntropy = new AntiEntropy(snapshot, sync, store, {
    intervalMs: config.digestIntervalMs ?? 30_000,
    settleMs: Math.max(2 * config.gapGraceMs, 250),
    log,
  });
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

  const history = new HistoryService(store, (id) => cache.view(id)?.name);
  watchInstance(metrics, {
    cacheProducts: () => cache.size,
    clients: () => ({ socketio: sockets.clients, ws: ws.clients }),
    ready: () => sync.isReady(),
    resyncs: () => sync.resyncs,
    invalidMessages: () => sync.invalidMessages,
    ...(batching && {
      groupCommits: () => ({
        apply_stock_changes: batching.groupCommits.applyChanges,
        reserve_stock: batching.groupCommits.reserve,
      }),
    }),
  });

  app.set('trust proxy', 'loopback');
  app.use(drain.middleware);
  // Without a pino logger, requests still get their ids; only the request lines are not written.
  app.use(requestLogger(pinoLogger ?? silentLogger()));
  app.use(httpMetrics(metrics));
  app.use(securityHeaders);
  app.use(corsHeaders);
  app.use(express.json({ limit: BODY_LIMIT_BYTES }));
  app.use(healthRoutes(report, () => sync.isReady() && !drain.isDraining()));
  app.use(metricsRoutes(metrics));
  app.use(authenticate(authenticator));
  app.use(guardReads(config.readsPublic));
  app.use(limitWrites(limiter, config.rateLimits));
  app.use(historyRoutes(history));
  app.use(
    ['/inventory', '/products'],
    staleHeader(() => sync.isStale()),
  );
  const ttl = config.idempotencyTtlSeconds;
  app.use(inventoryRoutes(inventory, responder, ttl));
  app.use(reservationRoutes(reservations, responder, ttl));
  app.use(orderRoutes(orders, responder, ttl));
  app.use(keyRoutes(store, publisher));
  app.use(docsRoutes(apiDocument(config.storeName)));
  app.use(dashboardRoutes(config.storeName, config.dashboardApiKey));
  app.use(notFound);
  app.use(errorMiddleware(log));

  const stopWork = async () => {
    sweeper.stop();
    sync.close();
    await streams?.stop();
    await limiter.close();
  };
  try {
    await sync.start();
    // Slow or stalled clients do not hold connections open.
    http.headersTimeout = 10_000;
    http.requestTimeout = 30_000;
    alerts.prime(cache.views());
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, resolve);
    });
    await streams?.start();
    sweeper.every(config.reservationSweepMs, () => reservations.sweep());
    sweeper.every(3_600_000, () => store.purgeIdempotencyKeys());
  } catch (error) {
    await stopWork();
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
    app,
    http,
    sync,
    metrics,
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
        await stopWork();
        await bus.drain(Math.min(timeoutMs, 2000));
        await bus.close();
      })()),
  };
}
