import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreName } from '@stockwire/domain';
import express, { Router } from 'express';
import { PUBLIC_DIR } from './public.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * The live dashboard: `GET /` is the page, told which store serves it; its script and styles are
 * under `/dashboard/`, and it takes socket.io-client from the `/socket.io/socket.io.js` that
 * Socket.IO serves.
 */
export function dashboardRoutes(store: StoreName): Router {
  const router = Router();
  const page = readFileSync(join(PUBLIC_DIR, 'dashboard.html'), 'utf8').replaceAll(
    '{{store}}',
    escapeHtml(store),
  );
  router.get('/', (_req, res) => {
    res.type('html').send(page);
  });
  router.use('/dashboard', express.static(join(PUBLIC_DIR, 'dashboard'), { index: false }));
  return router;
}
