import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressGuard } from './address.guard.js';
import { signWebhook } from './webhook.signer.js';

/** What a receiver did with one attempt. */
export interface SendResult {
  /** The HTTP status; null when no answer came (timeout, connection error, refused address). */
  status: number | null;
  durationMs: number;
  /** What went wrong short of an answer; null with one. */
  error: string | null;
  /** The first bytes of the answer, as text. */
  response: string | null;
  /** `Retry-After` of a 429 or 503, in ms. */
  retryAfterMs: number | null;
  /** The connection was refused before it was made, by where it points: never worth retrying. */
  refused: boolean;
}

export interface SenderOptions {
  /** The most an attempt takes, connecting and answering included. */
  timeoutMs: number;
  /** The most of an answer read; a longer one is cut off (the status still counts). */
  maxResponseBytes: number;
  guard: AddressGuard;
}

/** How much of an answer the attempts log keeps. */
const SNIPPET_BYTES = 1024;

const USER_AGENT = 'Stockwire-Webhooks/1';

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | null {
  if (header === undefined) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Sends signed webhook messages, each in bounded time and reading a bounded answer. Connections
 * are kept open between attempts (a receiver sees a run of one product's events over one), and
 * every new one is checked by the guard as it is made.
 */
export class WebhookSender {
  private readonly agents = {
    'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }),
  };

  constructor(private readonly o: SenderOptions) {}

  /** Closes the connections kept open. */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  send(url: string, secret: string, messageId: string, body: string): Promise<SendResult> {
    const started = performance.now();
    const target = new URL(url);
    const refused = this.o.guard.literalRefusal(target);
    if (refused)
      return Promise.resolve({
        status: null,
        durationMs: 0,
        error: `address not allowed: ${refused}`,
        response: null,
        retryAfterMs: null,
        refused: true,
      });
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': USER_AGENT,
      ...signWebhook(secret, messageId, Math.floor(Date.now() / 1000), body),
    };
    return this.post(target, headers, body, started, true);
  }

  /**
   * One request. `mayRetry`: a connection kept open that the receiver closed just as the request
   * went out fails with ECONNRESET before any answer; the request is then made once more on a new
   * connection rather than counted as the receiver's failure.
   */
  private post(
    target: URL,
    headers: Record<string, string>,
    body: string,
    started: number,
    mayRetry: boolean,
  ): Promise<SendResult> {
    const elapsed = () => Math.round(performance.now() - started);
    const https = target.protocol === 'https:';
    const request = https ? httpsRequest : httpRequest;
    const agent = https ? this.agents['https:'] : this.agents['http:'];
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, durationMs: elapsed() });
      };
      const failed = (error: string, refused = false) =>
        finish({ status: null, error, response: null, retryAfterMs: null, refused });
      const req = request(target, {
        method: 'POST',
        headers,
        agent,
        lookup: this.o.guard.lookup,
      });
      const timer = setTimeout(() => {
        failed(`timed out after ${this.o.timeoutMs} ms`);
        req.destroy();
      }, this.o.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (mayRetry && !settled && req.reusedSocket && error.code === 'ECONNRESET') {
          settled = true;
          clearTimeout(timer);
          resolve(this.post(target, headers, body, started, false));
          return;
        }
        failed(
          error.code === 'EADDRNOTALLOWED'
            ? `address not allowed: ${error.message}`
            : `${error.code ?? 'error'}: ${error.message}`,
          error.code === 'EADDRNOTALLOWED',
        );
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let read = 0;
        const done = () => {
          const status = res.statusCode ?? 0;
          finish({
            status,
            error: null,
            response: Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'),
            retryAfterMs:
              status === 429 || status === 503 ? retryAfterMs(res.headers['retry-after']) : null,
            refused: false,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (read < SNIPPET_BYTES) chunks.push(chunk);
          read += chunk.length;
          if (read > this.o.maxResponseBytes) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', done);
      });
      req.end(body);
    });
  }
}
