import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Principal } from '@stockwire/domain';
import typeIs from 'type-is';
import { authorize } from '../auth/authenticator.js';
import type { Logger } from '../telemetry/logger.js';
import type { RequestDrain } from './request.drain.js';
import { errorReply } from './error.reply.js';
import { requestIdFrom } from './request-id.js';
import { Encoded, type Reply, type Route, type RouteRequest } from './route.js';
import type { SecurityHeaders } from './security.headers.js';

/** Response header on reads from the cache: `true` while the cache may be missing changes. */
export const STALE_HEADER = 'x-stockwire-stale';

/** What a request goes to once the pipeline's steps before it have passed. */
export type Target =
  | { route: Route; params: Record<string, string> }
  /** The pages (dashboard, docs, static files, 404s): an Express app, which writes its own answer. */
  | { pages: RequestListener };

/** One answered request, for the request log and metrics. */
export interface Answered {
  requestId: string;
  method: string;
  url: string;
  /** The route template it reached, or null if it stopped before any route. */
  route: string | null;
  req: IncomingMessage;
  status: number;
  ms: number;
}

export interface PipelineOptions {
  drain: RequestDrain;
  security: SecurityHeaders;
  /** Reads the JSON body into `req.body` (body-parser); throws body-parser's errors. */
  parseBody: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  authenticate: (authorization: string | undefined) => Promise<Principal | null>;
  /** Whether reads need no credential. */
  readsPublic: boolean;
  /** The client's address, trusted proxies applied. */
  clientIp: (req: IncomingMessage) => string;
  /** Spends a write of the address's and the credential's budgets; throws when one is spent. */
  spendWriteBudget: (ip: string, principal: Principal | null) => Promise<void>;
  isStale: () => boolean;
  /** Why the store does not serve yet, as the error to answer with; null once it serves. */
  refusal: () => Error | null;
  /** Told of every request once its answer is sent: the request log line and the metric. */
  answered: (answer: Answered) => void;
  log: Logger;
}

/** A request on its way through the steps. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: Target;
  readonly started: number;
  requestId: string;
  /** Response headers so far, as name, value, name, value… */
  headers: string[];
  principal: Principal | null;
  /** Set by the step that answers; the steps after it are skipped. */
  reply: Reply | null;
  /** The target reached: the route names the request's metric from here on. */
  routed: boolean;
  /** The pages answer themselves. */
  handedOver: boolean;
}

type Step = (x: Exchange) => void | Promise<void>;

const isRead = (method: string | undefined) => method === 'GET' || method === 'HEAD';
/** Whether a request carries a body at all, as body-parser decides it. */
const hasBody = (req: IncomingMessage) => typeIs.hasBody(req);
const routeOf = (x: Exchange) => ('route' in x.target ? x.target.route : undefined);

/**
 * The lifecycle of every request, declared once, in this order: track (in flight) → identify
 * (request id) → secure (security headers, CORS) → admit (only open routes before the store
 * serves) → readBody → credential → limit (write budget) →
 * handle (the route's validation, authorisation and use case) → answer (the error reply if a step
 * threw, the reply sent, then the log line and the metric). Each adapter (node:http, Express)
 * finds the target and hands the request here; nothing about a request is decided anywhere else.
 */
export class RequestPipeline {
  private readonly steps: ReadonlyArray<Step>;

  constructor(private readonly o: PipelineOptions) {
    this.steps = [
      this.track,
      this.identify,
      this.secure,
      this.admit,
      this.readBody,
      this.credential,
      this.limit,
      this.handle,
    ];
  }

  /**
   * Runs `req` through every step to `target`, then answers it. Steps run one after another in
   * this call until one has to wait; from there on they run in {@link resume}. Never throws.
   */
  run(req: IncomingMessage, res: ServerResponse, target: Target): void {
    const x: Exchange = {
      req,
      res,
      target,
      started: performance.now(),
      requestId: '',
      headers: [],
      principal: null,
      reply: null,
      routed: false,
      handedOver: false,
    };
    try {
      for (let i = 0; i < this.steps.length && !x.reply && !x.handedOver; i++) {
        const pending = this.steps[i]!(x);
        if (pending) {
          void this.resume(x, pending, i + 1);
          return;
        }
      }
    } catch (error) {
      x.reply = errorReply(error, `${req.method} ${req.url}`, this.o.log);
    }
    this.answer(x);
  }

  /** The steps from `next` on, once `pending` (the step before) is done; then the answer. */
  private async resume(x: Exchange, pending: Promise<void>, next: number): Promise<void> {
    try {
      await pending;
      for (let i = next; i < this.steps.length && !x.reply && !x.handedOver; i++) {
        const step = this.steps[i]!(x);
        if (step) await step;
      }
    } catch (error) {
      x.reply = errorReply(error, `${x.req.method} ${x.req.url}`, this.o.log);
    }
    this.answer(x);
  }

  private answer(x: Exchange): void {
    const { req, res } = x;
    // The pages write their own answer; it is recorded once it is sent.
    if (x.handedOver) {
      res.once('finish', () => this.record(x));
      return;
    }
    if (res.headersSent) return;
    try {
      send(
        x,
        x.reply ?? errorReply(new Error('no answer'), `${req.method} ${req.url}`, this.o.log),
      );
      this.record(x);
    } catch (error) {
      // Only writing can fail here: nothing more can be said on this connection.
      this.o.log(`${req.method} ${req.url}: could not answer`, error);
      res.destroy();
    }
  }

  /** In flight until the answer is sent. */
  private readonly track: Step = (x) => {
    this.o.drain.track(x.res);
    if (this.o.drain.isDraining()) x.headers.push('connection', 'close');
  };

  /** The last step: the log line and the metric of the answer sent. */
  private record(x: Exchange): void {
    try {
      this.o.answered({
        requestId: x.requestId,
        method: x.req.method ?? '',
        url: x.req.url ?? '',
        route: x.routed ? (routeOf(x)?.path ?? null) : null,
        req: x.req,
        status: x.res.statusCode,
        ms: performance.now() - x.started,
      });
    } catch (error) {
      this.o.log('could not record an answered request', error);
    }
  }

  /** The caller's `X-Request-Id` if sane, else a new one. */
  private readonly identify: Step = (x) => {
    x.requestId = requestIdFrom(x.req.headers['x-request-id']);
  };

  /** Security headers and CORS; a CORS preflight is answered here. */
  private readonly secure: Step = (x) => {
    const { headers, preflight } = this.o.security.for(x.req);
    x.headers.push(...headers, 'x-request-id', x.requestId);
    if (preflight) x.reply = { status: preflight, body: undefined };
  };

  /** Until the store serves (it waits for Redis or the database), only open routes answer. */
  private readonly admit: Step = (x) => {
    if (routeOf(x)?.open) return;
    const refusal = this.o.refusal();
    if (refusal) throw refusal;
  };

  /** The JSON body, for a request that has one. */
  private readonly readBody: Step = (x) =>
    hasBody(x.req) ? this.o.parseBody(x.req, x.res) : undefined;

  /** The credential, if any (a bad one is a 401 at once); with public reads off, reads need one. */
  private readonly credential: Step = (x) => {
    if (routeOf(x)?.open) return;
    const { authorization } = x.req.headers;
    // Most reads carry none: they need not wait for the authenticator.
    if (authorization === undefined) return this.mayRead(x);
    return this.o.authenticate(authorization).then((principal) => {
      x.principal = principal;
      this.mayRead(x);
    });
  };

  /** With public reads off, a read needs a credential that may read; the pages do not. */
  private mayRead(x: Exchange): void {
    if (this.o.readsPublic || !isRead(x.req.method)) return;
    const route = routeOf(x);
    if (!route || route.page) return;
    authorize(x.principal, 'read');
  }

  /** Every request that is not a read spends the write budgets, shared by every store. */
  private readonly limit: Step = (x) => {
    const method = x.req.method;
    if (routeOf(x)?.open || isRead(method) || method === 'OPTIONS') return;
    return this.o.spendWriteBudget(this.o.clientIp(x.req), x.principal);
  };

  /** The route: its validation, authorisation and use case; or the pages. */
  private readonly handle: Step = (x) => {
    x.routed = true;
    const { target } = x;
    if ('pages' in target) {
      x.handedOver = true;
      const { res } = x;
      for (let i = 0; i < x.headers.length; i += 2)
        res.appendHeader(x.headers[i]!, x.headers[i + 1]!);
      target.pages(x.req, res);
      return;
    }
    if (target.route.cached && isRead(x.req.method))
      x.headers.push(STALE_HEADER, String(this.o.isStale()));
    const reply = target.route.handle(routeRequest(x, target.params));
    if (!(reply instanceof Promise)) {
      x.reply = reply;
      return;
    }
    return reply.then((r) => {
      x.reply = r;
    });
  };
}

function routeRequest(x: Exchange, params: Record<string, string>): RouteRequest {
  const url = x.req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: x.req.method ?? 'GET',
    url,
    params,
    query: q < 0 ? {} : parseQuery(url.slice(q + 1)),
    headers: x.req.headers,
    body: (x.req as { body?: unknown }).body,
    principal: x.principal,
    requestId: x.requestId,
  };
}

const EMPTY = Buffer.alloc(0);
const JSON_TYPE = 'application/json; charset=utf-8';

/** Writes the reply: the headers gathered by the steps, the route's own, type and length. */
function send(x: Exchange, reply: Reply): void {
  const { body } = reply;
  const headers = x.headers;
  if (reply.headers)
    for (const [name, value] of Object.entries(reply.headers)) headers.push(name, value);
  let bytes: Buffer = EMPTY;
  if (body instanceof Encoded) {
    bytes = body.bytes;
    headers.push('content-type', body.contentType);
  } else if (body !== undefined) {
    bytes = Buffer.from(JSON.stringify(body));
    headers.push('content-type', JSON_TYPE);
  }
  headers.push('content-length', String(bytes.length));
  x.res.writeHead(reply.status, headers);
  x.res.end(bytes);
}
