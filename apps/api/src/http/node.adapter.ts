import type { RequestListener } from 'node:http';
import { match, type MatchFunction } from 'path-to-regexp';
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
  const table = new RouteTable(routes);
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const found = table.find(req.method === 'HEAD' ? 'GET' : (req.method ?? ''), path);
    pipeline.run(req, res, found ?? { pages });
  };
}

type Matcher = { route: Route; match: MatchFunction<Record<string, string>> };

/**
 * The routes, in order, grouped by method and first path segment so that a request is matched
 * only against the routes that could take it.
 */
class RouteTable {
  private readonly groups = new Map<string, Matcher[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const first = firstSegment(route.path);
      // Every route's path starts with a literal segment; one that did not would need a fallback.
      if (/[:*{]/.test(first))
        throw new Error(`route ${route.path}: first segment must be literal`);
      const key = `${route.method} ${first}`;
      const matcher = {
        route,
        match: match<Record<string, string>>(route.path, {
          decode: decodeParam,
          sensitive: false,
          end: true,
          trailing: true,
        }),
      };
      this.groups.set(key, [...(this.groups.get(key) ?? []), matcher]);
    }
  }

  find(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const { route, match } of this.groups.get(`${method} ${firstSegment(path)}`) ?? []) {
      const found = match(path);
      if (found) return { route, params: found.params };
    }
    return null;
  }
}

/** `inventory` of `/Inventory/x`: routes match case-insensitively. */
const firstSegment = (path: string) => {
  const end = path.indexOf('/', 1);
  return (end < 0 ? path.slice(1) : path.slice(1, end)).toLowerCase();
};
