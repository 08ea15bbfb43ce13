import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type RequestHandler } from 'express';
import type { OpenApiDocument } from './openapi.js';
import { PUBLIC_DIR } from './public.js';
import { Encoded, reply, type Route } from './route.js';

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

export const HTML_TYPE = 'text/html; charset=utf-8';

/**
 * `GET /openapi.json` (the document) and `GET /docs` (Swagger UI on it, whose "Try it out" calls
 * this store).
 */
export function docsRoutes(document: OpenApiDocument): Route[] {
  const json = new Encoded(Buffer.from(JSON.stringify(document)));
  const page = new Encoded(readFileSync(join(PUBLIC_DIR, 'docs.html')), HTML_TYPE);
  return [
    { method: 'GET', path: '/openapi.json', page: true, handle: () => reply(json) },
    { method: 'GET', path: '/docs', page: true, handle: () => reply(page) },
  ];
}

/** The docs page's assets under `/docs/`: its own script and swagger-ui-dist's files. */
export function docsAssets(): RequestHandler[] {
  const swaggerUi = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' });
  return [
    express.static(join(PUBLIC_DIR, 'docs'), { index: false }),
    (req, res, next) => {
      if (SWAGGER_UI_FILES.has(req.path)) swaggerUi(req, res, next);
      else next();
    },
  ];
}
