import { LocationSchema } from '@stockwire/domain';
import { z } from 'zod';
import type { HealthReport } from './health.routes.js';
import { component, jsonResponse, type OpenApiContribution } from './openapi.js';

const UpDown = z.enum(['up', 'down']);
const Count = z.number().int().nonnegative();

/** What `GET /health` answers; its example is typed as `HealthReport`, so the two keep in step. */
const healthReport = component(
  'HealthReport',
  z.object({
    status: z.enum(['ok', 'degraded', 'starting']),
    store: LocationSchema,
    instance_id: z.string(),
    ready: z.boolean(),
    redis: UpDown,
    database: UpDown,
    cache: z.object({ products: Count }),
    clients: z.object({ socketio: Count, ws: Count }),
    resyncs: Count,
    uptime_seconds: Count,
  }),
);

const readiness = component('Readiness', z.object({ ready: z.boolean() }));

const HEALTH_EXAMPLE: HealthReport = {
  status: 'ok',
  store: 'main-store',
  instance_id: 'main-store@host-1:4242:9c1e07aa',
  ready: true,
  redis: 'up',
  database: 'up',
  cache: { products: 9 },
  clients: { socketio: 3, ws: 1 },
  resyncs: 0,
  uptime_seconds: 3600,
};

/** `health.routes.ts` in the OpenAPI document. */
export const healthOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tags: ['operations'],
    summary: 'What is up',
    description:
      'Always 200: the store, its instance, Redis and database status, cache size, connected clients and resyncs.',
    responses: {
      200: jsonResponse('The store and its dependencies', healthReport, {
        ok: { value: HEALTH_EXAMPLE },
        degraded: {
          summary: 'Redis does not answer',
          value: { ...HEALTH_EXAMPLE, status: 'degraded', redis: 'down' },
        },
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/ready',
    operationId: 'getReadiness',
    tags: ['operations'],
    summary: 'Whether the store serves a synced cache',
    responses: {
      200: jsonResponse('The cache is loaded and in sync', readiness, {
        ready: { value: { ready: true } },
      }),
      503: jsonResponse('Still loading or resyncing', readiness, {
        starting: { value: { ready: false } },
      }),
    },
  });
};
