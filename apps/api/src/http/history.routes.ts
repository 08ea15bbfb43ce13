import { AlertsQuerySchema, EventsQuerySchema } from '@stockwire/domain';
import type { HistoryService } from '../history/history.service.js';
import { Encoded, reply, type Route, type RouteRequest } from './route.js';
import { parse } from './validate.js';

/**
 * `GET /events` (also `GET /inventory/events`, where the earlier simulator's API had it) and
 * `GET /alerts`. Listed before the inventory routes: `/inventory/:product_id` would take
 * `/inventory/events` for a product otherwise.
 */
export function historyRoutes(history: HistoryService): Route[] {
  const events = async (req: RouteRequest) =>
    reply(
      new Encoded(
        await history.eventsPage(parse(EventsQuerySchema, req.query, 'query parameters')),
      ),
    );
  return [
    // Two routes rather than one with two paths, so that metrics name each path as it is.
    { method: 'GET', path: '/events', handle: events },
    { method: 'GET', path: '/inventory/events', handle: events },
    {
      method: 'GET',
      path: '/alerts',
      handle: async (req) => {
        const query = parse(AlertsQuerySchema, req.query, 'query parameters');
        return reply(new Encoded(await history.alertsPage(query)));
      },
    },
  ];
}
