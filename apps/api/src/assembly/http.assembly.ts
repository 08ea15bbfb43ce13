import { createServer } from 'node:http';
import bodyParser from 'body-parser';
import { spendWriteBudget } from '../auth/write-budget.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { StoreConfig } from '../env.js';
import { apiDocument } from '../http/api.openapi.js';
import { clientAddress } from '../http/client-address.js';
import { countRoutes } from '../http/counts.routes.js';
import { dashboardRoutes } from '../http/dashboard.routes.js';
import { docsRoutes } from '../http/docs.routes.js';
import { expressAdapter } from '../http/express.adapter.js';
import { healthRoutes, type HealthReport, type Readiness } from '../http/health.routes.js';
import { historyRoutes } from '../http/history.routes.js';
import { IdempotentResponder } from '../http/idempotency.js';
import { inventoryRoutes } from '../http/inventory.routes.js';
import { keyRoutes } from '../http/keys.routes.js';
import { locationRoutes } from '../http/locations.routes.js';
import { metricsRoutes } from '../http/metrics.routes.js';
import { nodeAdapter } from '../http/node.adapter.js';
import { orderRoutes } from '../http/order.routes.js';
import { pagesApp } from '../http/pages.app.js';
import type { RequestDrain } from '../http/request.drain.js';
import { RequestPipeline } from '../http/request.pipeline.js';
import { reorderRoutes } from '../http/reorders.routes.js';
import { reservationRoutes } from '../http/reservation.routes.js';
import { transferRoutes } from '../http/transfer.routes.js';
import type { Route } from '../http/route.js';
import { webhookRoutes } from '../http/webhooks.routes.js';
import { SecurityHeaders } from '../http/security.headers.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { Logger, PinoLogger } from '../telemetry/logger.js';
import type { StoreMetrics } from '../telemetry/metrics.js';
import { requestRecorder } from '../telemetry/request.recorder.js';
import type { Adapters } from './adapters.assembly.js';
import type { ReadinessGate } from './readiness.gate.js';
import type { Services } from './services.assembly.js';

/** The largest request body a store reads (64 KiB). */
const BODY_LIMIT_BYTES = 64 * 1024;

const STOPPING: Readiness = { ready: false, reason: 'stopping' };

/**
 * Every route, in the order they are matched (the history routes before `/inventory/:product_id`,
 * which would take `/inventory/events` otherwise), the one pipeline they all run, and the HTTP
 * server with the node:http adapter over them; the same on Express for embedding.
 */
export function assembleHttp(
  config: StoreConfig,
  adapters: Adapters,
  services: Services,
  sync: InventorySync,
  gate: ReadinessGate,
  authenticator: Authenticator,
  report: () => Promise<HealthReport>,
  drain: RequestDrain,
  metrics: StoreMetrics,
  logger: { log: Logger; requests: PinoLogger | null },
) {
  const { store, limiter } = adapters;
  const responder = new IdempotentResponder(
    (key, status, body) => store.saveIdempotentResponse(key, status, body),
    logger.log,
  );
  const ttl = config.checkout.idempotencyTtlSeconds;
  const routes: Route[] = [
    ...healthRoutes(report, () => (drain.isDraining() ? STOPPING : gate.readiness())),
    ...metricsRoutes(metrics),
    ...historyRoutes(services.history),
    ...inventoryRoutes(services.inventory, responder, ttl),
    ...reorderRoutes(services.reorders),
    ...reservationRoutes(services.reservations, responder, ttl),
    ...orderRoutes(services.orders, responder, ttl),
    ...countRoutes(
      services.counts,
      () => adapters.cache.views(),
      services.locations,
      responder,
      ttl,
    ),
    ...transferRoutes(services.transfers, responder, ttl),
    ...locationRoutes(services.locations),
    ...keyRoutes(store, services.committer),
    ...webhookRoutes(services.webhooks),
    ...docsRoutes(apiDocument(config.store.name)),
    ...dashboardRoutes(config.store.name, config.access.dashboardApiKey),
  ];
  const json = bodyParser.json({ limit: BODY_LIMIT_BYTES });
  // Counts may come as CSV (`POST /counts`); every other body is JSON.
  const csv = bodyParser.text({ type: 'text/csv', limit: BODY_LIMIT_BYTES });
  const clientIp = clientAddress(config.http.trustProxy);
  const pipeline = new RequestPipeline({
    drain,
    security: new SecurityHeaders(config.http.corsOrigins, config.http.httpsOnly),
    parseBody: (req, res) =>
      new Promise((resolve, reject) => {
        json(req, res, (error?: Error) => {
          if (error) reject(error);
          else csv(req, res, (e?: Error) => (e ? reject(e) : resolve()));
        });
      }),
    authenticate: (authorization) => authenticator.authenticate(authorization),
    readsPublic: config.access.readsPublic,
    clientIp,
    spendWriteBudget: (ip, principal) =>
      spendWriteBudget(limiter, config.access.rateLimits, ip, principal),
    isStale: () => sync.isStale(),
    refusal: () => gate.refusal(),
    answered: requestRecorder(metrics, logger.requests, clientIp),
    log: logger.log,
  });
  const pages = pagesApp(logger.log);
  const server = createServer(nodeAdapter(pipeline, routes, pages));
  // Slow or stalled clients do not hold connections open.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return { server, app: expressAdapter(pipeline, routes, pages) };
}
