import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreName } from '@stockwire/domain';
import { HTML_TYPE } from './docs.routes.js';
import { PUBLIC_DIR } from './public.js';
import { Encoded, reply, type Route } from './route.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * The live dashboard: `GET /` is the page, told which store serves it and the API key it writes
 * with (`DASHBOARD_API_KEY`, in a meta tag: no inline script, for the Content-Security-Policy);
 * its script and styles are under `/dashboard/` (served with the pages), and it takes
 * socket.io-client from the `/socket.io/socket.io.js` that Socket.IO serves.
 */
export function dashboardRoutes(store: StoreName, apiKey = ''): Route[] {
  const values: Record<string, string> = { store, api_key: apiKey };
  const html = readFileSync(join(PUBLIC_DIR, 'dashboard.html'), 'utf8').replace(
    /\{\{(\w+)\}\}/g,
    (placeholder, name: string) => escapeHtml(values[name] ?? placeholder),
  );
  const page = new Encoded(Buffer.from(html), HTML_TYPE);
  // The page may carry a credential: no cache keeps it.
  return [
    {
      method: 'GET',
      path: '/',
      page: true,
      handle: () => reply(page, 200, { 'cache-control': 'no-store' }),
    },
  ];
}
