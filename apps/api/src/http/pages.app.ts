import { join } from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from '../telemetry/logger.js';
import { docsAssets } from './docs.routes.js';
import { errorMiddleware, notFound } from './error.reply.js';
import { PUBLIC_DIR } from './public.js';

/**
 * What the routes do not answer: the static files of the dashboard and the docs page, and the
 * 404 for everything else. Express serves them, after the pipeline's steps before a route.
 */
export function pagesApp(log: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/dashboard', express.static(join(PUBLIC_DIR, 'dashboard'), { index: false }));
  app.use('/docs', ...docsAssets());
  app.use(notFound);
  app.use(errorMiddleware(log));
  return app;
}
