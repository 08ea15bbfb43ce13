import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { isApiKey } from './jwt.js';

export interface GatewayOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where PostgREST listens. */
  postgrestUrl: string;
  /** The project's JWT secret: any API key signed with it is accepted ({@link isApiKey}). */
  jwtSecret: string;
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * CORS as Supabase's API gateway answers it: any origin, the request headers supabase-js sends
 * (whatever a preflight asks for), and the headers its clients read from responses.
 */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-range, content-profile, content-location, range-unit',
};
const PREFLIGHT = {
  ...CORS,
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-max-age': '3600',
};

/** CORS headers for `req`: none for a request that is not from a browser's page. */
const corsFor = (req: IncomingMessage) => (req.headers.origin === undefined ? {} : CORS);

function reply(req: IncomingMessage, res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', ...corsFor(req) });
  res.end(JSON.stringify(body));
}

/** When a key already verified expires, in seconds since the epoch (Infinity: never). */
function expiryOf(apikey: string): number {
  const body = apikey.split('.')[1] ?? '';
  const { exp } = JSON.parse(Buffer.from(body, 'base64url').toString()) as { exp?: unknown };
  return typeof exp === 'number' ? exp : Infinity;
}

/**
 * Serves PostgREST under `/rest/v1`, as a Supabase project URL does, so that supabase-js works
 * unchanged against the local stack. Like Supabase, it refuses requests without an `apikey` of
 * the project: an anon or service-role JWT signed with its secret, unexpired.
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const upstream = new URL(opts.postgrestUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  // A key checked once is known for the gateway's life, until it expires.
  const known = new Map<string, number>();
  const accepted = (apikey: string) => {
    const now = Date.now() / 1000;
    const until = known.get(apikey);
    if (until !== undefined && now < until) return true;
    if (!isApiKey(apikey, opts.jwtSecret, now)) return false;
    if (known.size > 1000) known.clear();
    known.set(apikey, expiryOf(apikey));
    return true;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/' || url === '/health') return reply(req, res, 200, { status: 'ok' });
    if (!url.startsWith('/rest/v1/') && url !== '/rest/v1') {
      return reply(req, res, 404, { message: 'no route matched' });
    }
    // A browser asks before it sends the key: the preflight needs none.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      const asked = req.headers['access-control-request-headers'];
      res.writeHead(204, { ...PREFLIGHT, ...(asked && { 'access-control-allow-headers': asked }) });
      return res.end();
    }
    const apikey = req.headers.apikey;
    if (typeof apikey !== 'string' || !accepted(apikey)) {
      return reply(req, res, 401, { message: 'Invalid API key' });
    }
    const headers = { ...req.headers, host: upstream.host };
    headers.authorization ??= `Bearer ${apikey}`;
    const proxied = request(
      {
        agent,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: url.slice('/rest/v1'.length) || '/',
        headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, ...corsFor(req) });
        upstreamRes.pipe(res);
      },
    );
    proxied.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // As an API gateway tells them apart: 503 when the request never reached PostgREST, 502 when
      // the connection failed after it was sent, so the request may have been carried out.
      if (error.code === 'ECONNREFUSED')
        reply(req, res, 503, { message: 'PostgREST is not reachable' });
      else reply(req, res, 502, { message: 'The connection to PostgREST was lost' });
    });
    req.pipe(proxied);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${opts.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
