import type { Server } from 'node:http';
import type { Express } from 'express';
import { assembleAdapters } from './assembly/adapters.assembly.js';
import { assembleBackground } from './assembly/background.assembly.js';
import { healthReport } from './assembly/health.assembly.js';
import { assembleHttp } from './assembly/http.assembly.js';
import { listen, serve, stop, type Parts } from './assembly/lifecycle.js';
import { ReadinessGate } from './assembly/readiness.gate.js';
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
  /**
   * Settles once the store serves: Redis and the database answered and the cache is loaded.
   * Rejects if the store is closed first, or with a `StartRefused` when it cannot serve at all
   * (its own location does not exist).
   */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Assembles and starts one store, and resolves when it serves requests with a ready cache (see
 * {@link launchStore}, which resolves as soon as it listens).
 *
 * Logs go to `logger`: a pino logger (then requests are logged too), or a plain {@link Logger}
 * function that receives the store's messages only.
 */
export async function startStore(
  config: StoreConfig,
  logger: Logger | PinoLogger = storeLogger(config),
): Promise<StoreInstance> {
  const store = await launchStore(config, logger);
  try {
    await store.ready;
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * Assembles one store: adapters, then the live feeds and the cache's sync, the use cases, the
 * edges (HTTP, background work), and the lifecycle. Resolves once it listens, whether or not
 * Redis and the database answer yet: until they do and the cache is loaded, `/ready` says what it
 * waits for and other requests are refused with `not_ready`; `ready` tells when it serves.
 */
export async function launchStore(
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
  const realtime = assembleRealtime(config, cache, store, authenticator, metrics, requests ?? log);
  const sync = new InventorySync(cache, store, bus, realtime.listener, {
    gapGraceMs: config.sync.gapGraceMs,
    log,
    onKeyRevoked: (id) => keys.forget(id),
    locations: adapters.locations,
  });
  const services = assembleServices(config, adapters, sync, realtime, metrics, log);

  const background = assembleBackground(config, adapters, sync, services, metrics, log);
  const drain = new RequestDrain();
  const gate = new ReadinessGate(log);
  const report = healthReport({
    store: { name: config.store.name, instanceId: config.store.instanceId },
    adapters,
    sync,
    realtime,
    antiEntropy: background.antiEntropy,
    externalWrites: background.externalWrites,
    drain,
    limits: config.access.rateLimits,
  });
  const { server, app } = assembleHttp(
    config,
    adapters,
    services,
    sync,
    gate,
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

  const parts: Parts = { config, adapters, sync, realtime, background, server, drain, gate, log };
  const url = await listen(parts);
  const ready = serve(parts);
  ready.catch(() => {}); // closed before it served: close() has it in hand
  let closing: Promise<void> | null = null;
  return {
    config,
    url,
    app,
    http: server,
    sync,
    metrics,
    ready,
    close: () => (closing ??= stop(parts, ready)),
  };
}
