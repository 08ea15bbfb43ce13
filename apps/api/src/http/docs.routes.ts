import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import type { OpenApiDocument } from './openapi.js';
import { PUBLIC_DIR } from './public.js';

/** swagger-ui-dist's files, served from this store: the docs page works without internet. */
const SWAGGER_UI_DIR = dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);
/** The files of swagger-ui-dist the page uses; its sample index.html and initializer stay out. */
const SWAGGER_UI_FILES = new Set([
  '/swagger-ui.css',
  '/swagger-ui-bundle.js',
  '/favicon-32x32.png',
  '/favicon-16x16.png',
]);

/**
 * `GET /openapi.json` (the document) and `GET /docs` (Swagger UI on it, whose "Try it out" calls
 * this store), with the page's assets under `/docs/`.
 */
export function docsRoutes(document: OpenApiDocument): Router {
  const router = Router();
  const json = JSON.stringify(document);
  const swaggerUi = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' });

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.sendFile(join(PUBLIC_DIR, 'docs.html'));
  });
  router.use('/docs', express.static(join(PUBLIC_DIR, 'docs'), { index: false }));
  router.use('/docs', (req, res, next) => {
    if (SWAGGER_UI_FILES.has(req.path)) swaggerUi(req, res, next);
    else next();
  });
  return router;
}
