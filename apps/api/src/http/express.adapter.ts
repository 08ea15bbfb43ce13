import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import type { RequestPipeline } from './request.pipeline.js';
import type { Method, Route } from './route.js';

const EXPRESS_METHOD = {
  GET: 'get',
  POST: 'post',
  PATCH: 'patch',
  DELETE: 'delete',
} as const satisfies Record<Method, string>;

/**
 * The same routes and pages on an Express app, through the same pipeline: for embedding a store
 * in another Express server, and the proof that the node:http adapter answers as Express would.
 */
export function expressAdapter(
  pipeline: RequestPipeline,
  routes: readonly Route[],
  pages: RequestListener,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const router = express.Router();
  for (const route of routes) {
    const method = EXPRESS_METHOD[route.method];
    router[method](route.path, (req, res) => {
      pipeline.run(req, res, { route, params: req.params as Record<string, string> });
    });
  }
  app.use(router);
  app.use((req, res) => pipeline.run(req, res, { pages }));
  return app;
}
