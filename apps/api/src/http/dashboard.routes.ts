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
 * The live dashboard: `GET /` is the page, told which store serves it and the API key it writes
 * with (`DASHBOARD_API_KEY`, in a meta tag: no inline script, for the Content-Security-Policy);
 * its script and styles are under `/dashboard/`, and it takes socket.io-client from the
 * `/socket.io/socket.io.js` that Socket.IO serves.
 */
export function dashboardRoutes(store: StoreName, apiKey = ''): Router {
  const router = Router();
  const values: Record<string, string> = { store, api_key: apiKey };
  const page = readFileSync(join(PUBLIC_DIR, 'dashboard.html'), 'utf8').replace(
    /\{\{(\w+)\}\}/g,
    (placeholder, name: string) => escapeHtml(values[name] ?? placeholder),
  );
  router.get('/', (_req, res) => {
    // The page may carry a credential: no cache keeps it.
    res.set('Cache-Control', 'no-store');
    res.type('html').send(page);
  });
  router.use('/dashboard', express.static(join(PUBLIC_DIR, 'dashboard'), { index: false }));
  return router;
}
