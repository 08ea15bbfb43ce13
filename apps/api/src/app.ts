import type { Server } from 'node:http';
import type { Express } from 'express';
import { assembleAdapters } from './assembly/adapters.assembly.js';
import { assembleBackground } from './assembly/background.assembly.js';
import { healthReport } from './assembly/health.assembly.js';
import { assembleHttp } from './assembly/http.assembly.js';
import { start, stop, type Parts } from './assembly/lifecycle.js';
import { assembleRealtime } from './assembly/realtime.assembly.js';
import { assembleServices } from './assembly/services.assembly.js';
import { ApiKeyRegistry } from './auth/api-keys.js';
import { Authenticator } from './auth/authenticator.js';
import type { StoreConfig } from './env.js';
import { RequestDrain } from './http/request.drain.js';
import { InventorySync } from './sync/inventory.sync.js';
import { messageLogger, storeLogger, type Logger, type PinoLogger } from './telemetry/logger.js';
import { StoreMetrics, watchInstance } from './telemetry/metrics.js';

/** A running store instance. */
export interface StoreInstance {
  config: StoreConfig;
  /** Base URL it listens on, e.g. `http://127.0.0.1:3001`. */
  url: string;
  /** The same routes and pages on Express, through the same pipeline, for embedding. */
  app: Express;
  http: Server;
  sync: InventorySync;
  metrics: StoreMetrics;
  close(): Promise<void>;
}

/**
 * Assembles and starts one store: adapters, then the live feeds and the cache's sync, the use
 * cases, the edges (HTTP, background work), and the lifecycle. Resolves when it serves requests
 * with a ready cache.
 *
 * Logs go to `logger`: a pino logger (then requests are logged too), or a plain {@link Logger}
 * function that receives the store's messages only.
 */
export async function startStore(
  config: StoreConfig,
  logger: Logger | PinoLogger = storeLogger(config),
): Promise<StoreInstance> {
  const requests = typeof logger === 'function' ? null : logger;
  const log: Logger = typeof logger === 'function' ? logger : messageLogger(logger);
  const metrics = new StoreMetrics(config.store.name);
  const adapters = assembleAdapters(config, metrics, log);
  const { store, bus, cache } = adapters;

  const keys = new ApiKeyRegistry(config.access.apiKeys, store);
  const authenticator = new Authenticator(keys, config.access.jwtSecret);
  const realtime = assembleRealtime(config, cache, authenticator, metrics, requests ?? log);
  const sync = new InventorySync(cache, store, bus, realtime.listener, {
    gapGraceMs: config.sync.gapGraceMs,
    log,
    onKeyRevoked: (id) => keys.forget(id),
  });
  const services = assembleServices(config, adapters, sync, realtime, metrics, log);

  const background = assembleBackground(config, adapters, sync, services, log);
  const drain = new RequestDrain();
  const report = healthReport({
    store: { name: config.store.name, instanceId: config.store.instanceId },
    adapters,
    sync,
    realtime,
    antiEntropy: background.antiEntropy,
    drain,
  });
  const { server, app } = assembleHttp(
    config,
    adapters,
    services,
    sync,
    authenticator,
    report,
    drain,
    metrics,
    { log, requests },
  );
  watchInstance(metrics, {
    cacheProducts: () => cache.size,
    clients: () => ({ socketio: realtime.sockets.clients, ws: realtime.ws.clients }),
    ready: () => sync.isReady(),
    resyncs: () => sync.resyncs,
    invalidMessages: () => sync.invalidMessages,
    ...(adapters.groupCommits && {
      groupCommits: () => ({
        apply_stock_changes: adapters.groupCommits!.applyChanges,
        reserve_stock: adapters.groupCommits!.reserve,
      }),
    }),
  });

  const parts: Parts = { config, adapters, sync, realtime, background, server, drain, log };
  const url = await start(parts);
  let closing: Promise<void> | null = null;
  return {
    config,
    url,
    app,
    http: server,
    sync,
    metrics,
    close: () => (closing ??= stop(parts)),
  };
}
