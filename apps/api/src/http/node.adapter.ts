import type { RequestListener } from 'node:http';
import { match } from 'path-to-regexp';
import type { RequestPipeline } from './request.pipeline.js';
import type { Route } from './route.js';

/** A path parameter decoded as Express decodes it; one that cannot be is left as sent. */
function decodeParam(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // The route's own validation then names the parameter in a 400.
    return value;
  }
}

/**
 * The store's HTTP server: each request matched against the routes as Express's router matches
 * them (path-to-regexp, case-insensitive, a trailing slash allowed; HEAD as GET), then through
 * the pipeline, to the route or to the pages.
 */
export function nodeAdapter(
  pipeline: RequestPipeline,
  routes: readonly Route[],
  pages: RequestListener,
): RequestListener {
  const table = routes.map((route) => ({
    route,
    match: match<Record<string, string>>(route.path, {
      decode: decodeParam,
      sensitive: false,
      end: true,
      trailing: true,
    }),
  }));
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    for (const { route, match } of table) {
      if (route.method !== method) continue;
      const found = match(path);
      if (found) return void pipeline.run(req, res, { route, params: found.params });
    }
    void pipeline.run(req, res, { pages });
  };
}
