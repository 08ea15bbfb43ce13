import { Router } from 'express';
import type { StoreMetrics } from '../telemetry/metrics.js';

/** `GET /metrics`: this instance's metrics in the Prometheus text format. */
export function metricsRoutes(metrics: StoreMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.exposition();
    res.type(contentType).send(body);
  });
  return router;
}
