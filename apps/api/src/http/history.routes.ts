import { AlertsQuerySchema, EventsQuerySchema } from '@stockwire/domain';
import { Router, type RequestHandler } from 'express';
import type { HistoryService } from '../history/history.service.js';
import { parse } from './validate.js';

/**
 * `GET /events` (also `GET /inventory/events`, where the earlier simulator's API had it) and
 * `GET /alerts`. Mount before the inventory routes: `/inventory/:product_id` would take
 * `/inventory/events` for a product otherwise.
 */
export function historyRoutes(history: HistoryService): Router {
  const router = Router();
  const events: RequestHandler = async (req, res) => {
    const query = parse(EventsQuerySchema, req.query, 'query parameters');
    res.json(await history.events(query));
  };
  // Two routes rather than one with two paths, so that metrics name each path as it is.
  router.get('/events', events);
  router.get('/inventory/events', events);

  router.get('/alerts', async (req, res) => {
    const query = parse(AlertsQuerySchema, req.query, 'query parameters');
    res.json(await history.alerts(query));
  });
  return router;
}
