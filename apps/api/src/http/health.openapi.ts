import { LocationSchema } from '@stockwire/domain';
import { z } from 'zod';
import { DIGEST_RESULTS } from '../sync/anti-entropy.js';
import type { HealthReport } from './health.routes.js';
import { component, type OpenApiContribution } from './openapi.js';
import { jsonResponse } from './openapi.responses.js';

const UpDown = z.enum(['up', 'down']);
const Count = z.number().int().nonnegative();

/** What `GET /health` answers; its example is typed as `HealthReport`, so the two keep in step. */
const healthReport = component(
  'HealthReport',
  z.object({
    status: z.enum(['ok', 'degraded', 'starting', 'stopping']),
    store: LocationSchema,
    instance_id: z.string(),
    ready: z.boolean(),
    redis: z.enum(['up', 'degraded', 'down']).meta({
      description:
        'On a Redis Cluster, `degraded` while a master does not answer (failing over: writes to its slots wait) and `down` while the cluster serves no slots',
    }),
    redis_cluster: z
      .object({
        status: z.enum(['up', 'degraded', 'down']),
        state: z.enum(['ok', 'fail', 'unknown']).meta({
          description: '`cluster_state` as an answering node reports it',
        }),
        masters: Count,
        masters_unreachable: Count,
      })
      .optional()
      .meta({
        description: 'Present when the store runs on a Redis Cluster (`REDIS_CLUSTER_NODES`)',
      }),
    rate_limits: z
      .discriminatedUnion('status', [
        z.object({ status: z.literal('enforced') }),
        z.object({
          status: z.literal('not_enforced'),
          reason: z.string().meta({ description: 'What counting the last write failed with' }),
          since: z.string(),
        }),
        z.object({ status: z.literal('off') }),
      ])
      .meta({
        description:
          'Whether write limits are counted: `not_enforced` while Redis cannot count them (writes go through uncounted); `off` when none is configured',
      }),
    database: UpDown,
    cache: z.object({ products: Count }),
    clients: z.object({ socketio: Count, ws: Count }),
    requests_in_flight: Count,
    resyncs: Count,
    stale: z
      .boolean()
      .meta({ description: 'Reads may be missing changes (Redis down, or a resync owed)' }),
    sync: z.object({
      resyncs: Count,
      refetches: Count,
      repairs: Count,
      waiting: Count,
      last_resync_at: z.string().nullable(),
    }),
    pubsub: z.object({
      received: Count,
      invalid: Count,
      last_received_at: z.string().nullable(),
      last_lag_ms: z.number().nonnegative().nullable(),
      avg_lag_ms: z.number().nonnegative().nullable(),
    }),
    digest: z.object({
      interval_ms: Count,
      checks: Count,
      audits: Count,
      failures: Count,
      last_check_at: z.string().nullable(),
      last_result: z.enum(DIGEST_RESULTS).nullable(),
      buckets: Count.meta({
        description:
          'Buckets the products are split into (by a hash of their id); a check reads again only the products of those whose digest differs',
      }),
      last_differing_buckets: Count.meta({
        description:
          "Buckets whose digest differed from the database's at the last check's first look",
      }),
      scrubbed_buckets: Count.meta({
        description:
          'Buckets read from the tables themselves so far (a few each check, in turn), which finds writes made with the triggers off',
      }),
      scrub_resets: Count.meta({
        description:
          'Buckets whose digest kept by the database the scrubs found wrong and set right',
      }),
    }),
    external_writes: z.enum(['listen', 'digest']).meta({
      description:
        'How writes made outside the stores (psql, Studio, other services) reach this store: `listen` within milliseconds, by the database listener; `digest` at the next digest check (no `DATABASE_URL`, or its connection is lost)',
    }),
    listener: z.object({
      configured: z.boolean().meta({ description: 'Whether `DATABASE_URL` is set' }),
      listening: z.boolean(),
      notifications: Count,
      relayed: Count.meta({ description: 'Notifications this store claimed and published' }),
      invalid: Count,
      failures: Count,
      reconnects: Count,
    }),
    outbox: z.object({
      queued: Count,
      failed_publishes: Count,
      republished: Count,
      dropped: Count,
    }),
    uptime_seconds: Count,
  }),
);

const readiness = component(
  'Readiness',
  z.object({
    ready: z.boolean(),
    reason: z.string().optional().meta({ description: 'Why not, in words; absent when ready' }),
    waiting_for: z
      .array(z.enum(['redis', 'database']))
      .optional()
      .meta({ description: 'What a starting store still waits for, when that is why' }),
  }),
);

const HEALTH_EXAMPLE: HealthReport = {
  status: 'ok',
  store: 'main-store',
  instance_id: 'main-store@host-1:4242:9c1e07aa',
  ready: true,
  redis: 'up',
  rate_limits: { status: 'enforced' },
  database: 'up',
  cache: { products: 9 },
  clients: { socketio: 3, ws: 1 },
  requests_in_flight: 1,
  resyncs: 0,
  stale: false,
  sync: { resyncs: 0, refetches: 2, repairs: 0, waiting: 0, last_resync_at: null },
  pubsub: {
    received: 1840,
    invalid: 0,
    last_received_at: '2026-11-23T12:01:13.876Z',
    last_lag_ms: 0.4,
    avg_lag_ms: 0.6,
  },
  digest: {
    interval_ms: 30000,
    checks: 120,
    audits: 0,
    failures: 0,
    last_check_at: '2026-11-23T12:01:00.000Z',
    last_result: 'match',
    buckets: 1024,
    last_differing_buckets: 0,
    scrubbed_buckets: 960,
    scrub_resets: 0,
  },
  external_writes: 'listen',
  listener: {
    configured: true,
    listening: true,
    notifications: 14,
    relayed: 5,
    invalid: 0,
    failures: 0,
    reconnects: 0,
  },
  outbox: { queued: 0, failed_publishes: 0, republished: 0, dropped: 0 },
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
    description:
      'A store listens as soon as it starts, whatever is up, and waits for Redis and the database ' +
      '(trying again with backoff up to 5 s); until they answer and its cache is loaded this answers ' +
      '503 with the reason, and every request but `/health`, `/ready` and `/metrics` gets 503 `not_ready`.',
    responses: {
      200: jsonResponse('The cache is loaded and in sync', readiness, {
        ready: { value: { ready: true } },
      }),
      503: jsonResponse('Starting, waiting for a dependency, or stopping', readiness, {
        waiting: {
          summary: 'Started while Redis and the database were down',
          value: {
            ready: false,
            reason: 'waiting for Redis and the database',
            waiting_for: ['redis', 'database'],
          },
        },
        loading: { value: { ready: false, reason: 'loading the cache' } },
        stopping: { value: { ready: false, reason: 'stopping' } },
      }),
    },
  });
};
