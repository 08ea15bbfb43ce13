import { Router } from 'express';
import type { DigestHealth } from '../sync/anti-entropy.js';
import type { SyncHealth } from '../sync/inventory.sync.js';
import type { OutboxHealth } from '../sync/outbox.bus.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'starting' | 'stopping';
  store: string;
  instance_id: string;
  ready: boolean;
  redis: 'up' | 'down';
  database: 'up' | 'down';
  cache: { products: number };
  clients: { socketio: number; ws: number };
  /** HTTP requests being handled, this one included. */
  requests_in_flight: number;
  resyncs: number;
  /** Reads are marked `X-Stockwire-Stale: true` while this is. */
  stale: boolean;
  sync: Omit<SyncHealth, 'stale' | 'pubsub'>;
  pubsub: SyncHealth['pubsub'];
  /** The last anti-entropy check of the cache against the database. */
  digest: DigestHealth;
  outbox: OutboxHealth;
  uptime_seconds: number;
}

/** `GET /health` (always 200, with what is up) and `GET /ready` (200 once the cache is synced). */
export function healthRoutes(report: () => Promise<HealthReport>, isReady: () => boolean): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    res.json(await report());
  });
  router.get('/ready', (_req, res) => {
    const ready = isReady();
    res.status(ready ? 200 : 503).json({ ready });
  });
  return router;
}
