import type { Answered } from '../http/request.pipeline.js';
import { logRequest, type PinoLogger } from './logger.js';
import type { StoreMetrics } from './metrics.js';

/** Requests no route matched share one label, so that probing URLs cannot grow the series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The last step of every request: its line in the request log (when the store logs through pino)
 * and its time in `stockwire_http_request_duration_seconds`, by route template and status. Each
 * label set is looked up once, not once per request.
 */
export function requestRecorder(
  metrics: StoreMetrics,
  logger: PinoLogger | null,
  /** The client's address behind trusted proxies (`TRUST_PROXY`), for the request line. */
  clientIp: (req: Answered['req']) => string,
): (answer: Answered) => void {
  const observers = new Map<string, { observe(seconds: number): void }>();
  return (a) => {
    const route = a.route ?? UNMATCHED_ROUTE;
    const status = String(a.status);
    const key = `${a.method} ${route} ${status}`;
    let observer = observers.get(key);
    if (!observer) {
      observer = metrics.httpDuration.labels(a.method, route, status);
      observers.set(key, observer);
    }
    observer.observe(a.ms / 1000);
    if (logger) {
      logRequest(logger, {
        id: a.requestId,
        method: a.method,
        url: a.url,
        remoteAddress: () => clientIp(a.req),
        status: a.status,
        ms: a.ms,
      });
    }
  };
}
