import type { Request, RequestHandler } from 'express';
import type { StoreMetrics } from './metrics.js';

/** Requests no route matched share one label, so that probing URLs cannot grow the series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** The route template that handled the request (`/inventory/:product_id`), not its URL. */
function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? req.baseUrl + route.path : UNMATCHED_ROUTE;
}

/** Times every HTTP request into `stockwire_http_request_duration_seconds`. */
export function httpMetrics(metrics: StoreMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routeOf(req), status: String(res.statusCode) });
    });
    next();
  };
}
