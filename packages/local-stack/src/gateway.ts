import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface GatewayOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where PostgREST listens. */
  postgrestUrl: string;
  /** The API keys the gateway accepts, as Supabase's gateway does. */
  apiKeys: string[];
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Serves PostgREST under `/rest/v1`, as a Supabase project URL does, so that supabase-js works
 * unchanged against the local stack. Like Supabase, it refuses requests without a known `apikey`.
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const upstream = new URL(opts.postgrestUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const keys = new Set(opts.apiKeys);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/' || url === '/health') return reply(res, 200, { status: 'ok' });
    if (!url.startsWith('/rest/v1/') && url !== '/rest/v1') {
      return reply(res, 404, { message: 'no route matched' });
    }
    const apikey = req.headers.apikey;
    if (typeof apikey !== 'string' || !keys.has(apikey)) {
      return reply(res, 401, { message: 'Invalid API key' });
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
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    proxied.on('error', () => {
      if (!res.headersSent) reply(res, 503, { message: 'PostgREST is not reachable' });
      else res.destroy();
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
