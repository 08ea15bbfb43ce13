import type { StoreMetrics } from '../telemetry/metrics.js';
import { Encoded, reply, type Route } from './route.js';

/** `GET /metrics`: this instance's metrics in the Prometheus text format. */
export function metricsRoutes(metrics: StoreMetrics): Route[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      open: true,
      handle: async () => {
        const { contentType, body } = await metrics.exposition();
        return reply(new Encoded(Buffer.from(body), contentType));
      },
    },
  ];
}
