import type { StoreMetrics } from '../telemetry/metrics.js';
import type { DeliveryStats } from './delivery.worker.js';

/**
 * The delivery worker's metrics: attempts by result (this instance's), the outbox's depth and the
 * age of its oldest pending event (cluster-wide, as of the worker's last look).
 */
export function watchDeliveries(metrics: StoreMetrics, stats: DeliveryStats): void {
  metrics.readCounters(
    'webhook_attempts_total',
    'Webhook delivery attempts this instance made, by result (delivered, retry, failed)',
    () => stats.results,
    'result',
  );
  metrics.readGauge(
    'webhook_queue_depth',
    'Webhook deliveries pending, all endpoints, as of the last look at the outbox',
    () => stats.queued,
  );
  metrics.readGauge(
    'webhook_oldest_pending_seconds',
    'Age of the oldest undelivered webhook event; 0 when none is pending',
    () =>
      stats.oldestAt === null ? 0 : Math.max(0, (Date.now() - Date.parse(stats.oldestAt)) / 1000),
  );
  const duration = metrics.histogram({
    name: 'webhook_attempt_duration_seconds',
    help: 'How long receivers took to answer webhook attempts (timeouts included)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  stats.onAttempt = (ms) => duration.observe(ms / 1000);
}
