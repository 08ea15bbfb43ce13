import { z } from 'zod';
import type { OpenApiContribution } from './openapi.js';

/** `metrics.routes.ts` in the OpenAPI document. */
export const metricsOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags: ['operations'],
    summary: "This instance's metrics, for Prometheus",
    description:
      'HTTP latency by route and status, changes written and refused, messages published and received, pub/sub lag, resyncs, clients, cache size.',
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        content: {
          'text/plain; version=0.0.4; charset=utf-8': {
            schema: z.string(),
            examples: {
              excerpt: {
                summary: 'An excerpt',
                value:
                  '# HELP stockwire_stock_changes_written_total Stock changes this instance committed to the database, by update type\n# TYPE stockwire_stock_changes_written_total counter\nstockwire_stock_changes_written_total{update_type="sale",store="main-store"} 42\n',
              },
            },
          },
        },
      },
    },
  });
};
