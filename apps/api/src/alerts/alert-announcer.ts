import type { StockAlert } from '@stockwire/domain';
import type { Logger, PinoLogger } from '../telemetry/logger.js';
import type { StoreMetrics } from '../telemetry/metrics.js';
import { describeAlert } from './low-stock.monitor.js';

/**
 * What the instance that made a crossing change does with it: one log line (with the alert as
 * structured fields when logging to pino; a warning when stock runs low) and a count.
 */
export function alertAnnouncer(
  logger: PinoLogger | Logger,
  metrics: StoreMetrics,
): (alert: StockAlert) => void {
  return (alert) => {
    metrics.alerts.inc({ kind: alert.kind });
    const line = describeAlert(alert);
    if (typeof logger === 'function') logger(line);
    else if (alert.kind !== 'back_in_stock') logger.warn({ alert }, line);
    else logger.info({ alert }, line);
  };
}
