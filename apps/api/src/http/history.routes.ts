import { AlertsQuerySchema, EventsQuerySchema } from '@stockwire/domain';
import type { HistoryService } from '../history/history.service.js';
import { Encoded, reply, type Reply, type Route, type RouteRequest } from './route.js';
import { parse } from './validate.js';

/** A page as it is, or once it is read. */
const page = (bytes: Buffer | Promise<Buffer>): Reply | Promise<Reply> =>
  bytes instanceof Promise ? bytes.then(page) : reply(new Encoded(bytes));

/**
 * `GET /events` (also `GET /inventory/events`, where the earlier simulator's API had it) and
 * `GET /alerts`. Listed before the inventory routes: `/inventory/:product_id` would take
 * `/inventory/events` for a product otherwise.
 */
export function historyRoutes(history: HistoryService): Route[] {
  const events = (req: RouteRequest) =>
    page(history.eventsPage(parse(EventsQuerySchema, req.query, 'query parameters')));
  return [
    // Two routes rather than one with two paths, so that metrics name each path as it is.
    { method: 'GET', path: '/events', handle: events },
    { method: 'GET', path: '/inventory/events', handle: events },
    {
      method: 'GET',
      path: '/alerts',
      handle: (req) =>
        page(history.alertsPage(parse(AlertsQuerySchema, req.query, 'query parameters'))),
    },
  ];
}
