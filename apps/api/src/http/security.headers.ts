import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import cors from 'cors';
import helmet from 'helmet';

type HeaderMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** What header-only middleware sets for `req`, and the status it answered with, if it ended it. */
function run(middleware: HeaderMiddleware[], req: IncomingMessage) {
  const headers: OutgoingHttpHeaders = {};
  let ended: number | null = null;
  const res = {
    statusCode: 200,
    setHeader: (name: string, value: string | number | readonly string[]) => {
      // The pipeline measures the body it sends itself.
      if (name.toLowerCase() !== 'content-length')
        headers[name.toLowerCase()] = value as OutgoingHttpHeaders[string];
      return res;
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
    hasHeader: (name: string) => name.toLowerCase() in headers,
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
    end: () => {
      ended = res.statusCode;
    },
  };
  for (const m of middleware) {
    let next = false;
    m(req, res as unknown as ServerResponse, () => (next = true));
    if (!next) break;
  }
  return { headers: headerPairs(headers), ended };
}

/** Headers as a flat list of names and values, a name repeated for each of several values. */
function headerPairs(headers: OutgoingHttpHeaders): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) flat.push(name, String(v));
  }
  return flat;
}

const PLAIN_GET = { method: 'GET', url: '/', headers: {} } as IncomingMessage;

/**
 * helmet's security headers and CORS, from the libraries themselves. helmet's do not depend on
 * the request and CORS's do only when an `Origin` is sent, so the headers of a request without
 * one are worked out once, at start, and only requests from a browser's other origin pay for CORS.
 *
 * Over plain HTTP (`httpsOnly` off) helmet's `upgrade-insecure-requests` and HSTS are left out:
 * a page opened as `http://<host name>/` would otherwise fetch its own scripts over HTTPS, which
 * the store does not serve.
 */
export class SecurityHeaders {
  private readonly helmet: string[];
  private readonly plain: { headers: string[]; preflight: null };
  private readonly cors: HeaderMiddleware;

  constructor(corsOrigins: string[], httpsOnly: boolean) {
    const headers = helmet({
      contentSecurityPolicy: {
        directives: { upgradeInsecureRequests: httpsOnly ? [] : null },
      },
      strictTransportSecurity: httpsOnly,
    });
    this.helmet = run([headers], PLAIN_GET).headers;
    this.cors = cors({ origin: corsOrigins, credentials: false });
    this.plain = {
      headers: [...this.helmet, ...run([this.cors], PLAIN_GET).headers],
      preflight: null,
    };
  }

  /** The headers for `req`, and the status if CORS answers it itself (a preflight). */
  for(req: IncomingMessage): { headers: string[]; preflight: number | null } {
    if (req.headers.origin === undefined && req.method !== 'OPTIONS') return this.plain;
    const { headers, ended } = run([this.cors], req);
    return { headers: [...this.helmet, ...headers], preflight: ended };
  }
}
