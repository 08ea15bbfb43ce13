import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** What a receiver answers a request with; `delayMs` before answering. */
export interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A webhook receiver on loopback, as a system that acts on events would run one. */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The JSON bodies received, parsed. */
  messages(): { type: string; data: Record<string, unknown> }[];
  /** Stops accepting connections (the receiver is down) until {@link start} again. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 that records every request and answers as `answer` says (204 by
 * default); `answer` is given the request and how many requests with its `webhook-id` came before.
 */
export async function startReceiver(
  answer: (req: Received, earlier: number) => Answer = () => ({ status: 204 }),
  port = 0,
): Promise<Receiver> {
  const received: Received[] = [];
  let server: Server | null = null;
  const listen = (on: number) =>
    new Promise<Server>((resolve) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const got: Received = {
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            at: Date.now(),
          };
          const id = req.headers['webhook-id'];
          const earlier = received.filter((r) => r.headers['webhook-id'] === id).length;
          received.push(got);
          const a = answer(got, earlier);
          setTimeout(() => {
            if (res.destroyed) return;
            res.writeHead(a.status, a.headers).end(a.body ?? '');
          }, a.delayMs ?? 0);
        });
      });
      s.listen(on, '127.0.0.1', () => resolve(s));
    });
  server = await listen(port);
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    received,
    messages: () =>
      received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> }),
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      server ??= await listen(bound);
    },
  };
}
