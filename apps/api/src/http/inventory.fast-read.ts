import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ProductId } from '@stockwire/domain';
import { SECURITY_HEADERS } from './security.headers.js';

const PREFIX = '/inventory/';

export interface FastReadOptions {
  /** The product's view as JSON bytes, or undefined for a product the cache does not have. */
  encoded: (id: ProductId) => Buffer | undefined;
  /**
   * Told of every request answered here, as the app's request metrics would be through Express.
   * @default none
   */
  observe?: (route: string, status: number, seconds: number) => void;
}

/** The Express route this path stands in for, as request metrics name it. */
export const FAST_READ_ROUTE = '/inventory/:product_id';

/**
 * `GET /inventory/{product_id}`, the hottest route, answered before Express: the bytes the cache
 * encoded once per change, with the headers the Express route sends. Express costs several times
 * what this response needs (router, request and response decoration, `res.json`), and a store
 * serves reads far more often than anything else. Whatever is not a plain hit — another route or
 * method, a query string, an escaped or unknown id — goes on to `next` (Express), which also
 * answers every error.
 */
export function fastInventoryRead(
  options: FastReadOptions,
  next: RequestListener,
): RequestListener {
  const { encoded, observe } = options;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url;
    if (req.method === 'GET' && url?.startsWith(PREFIX)) {
      // A cached id is plain [A-Za-z0-9_-]: anything escaped or with a query misses, and falls through.
      const body = encoded(url.slice(PREFIX.length));
      if (body) {
        const started = observe ? performance.now() : 0;
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': body.length,
        });
        res.end(body);
        observe?.(FAST_READ_ROUTE, 200, (performance.now() - started) / 1000);
        return;
      }
    }
    next(req, res);
  };
}
