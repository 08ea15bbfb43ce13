import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '@stockwire/domain';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A request as a route sees it, whichever transport brought it. */
export interface RouteRequest {
  method: string;
  /** The URL as sent: path and query. */
  url: string;
  /** Path parameters, decoded, by the names in the route's path. */
  params: Record<string, string>;
  /** The query string, parsed as Express parses it (`node:querystring`). */
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The JSON body; undefined without one. */
  body: unknown;
  /** Who sent it; null without a credential (or on an open route, which reads none). */
  principal: Principal | null;
  /** The request's id: in the `X-Request-Id` response header, the log line and the ledger. */
  requestId: string;
}

/** Bytes encoded ahead of time (a cached view, a metrics page), sent as they are. */
export class Encoded {
  constructor(
    readonly bytes: Buffer,
    readonly contentType = 'application/json; charset=utf-8',
  ) {}
}

/** A route's answer: a status, a JSON body (or {@link Encoded} bytes) and headers of its own. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A JSON answer. */
export const reply = (body: unknown, status = 200, headers?: Record<string, string>): Reply =>
  headers ? { status, body, headers } : { status, body };

/**
 * One HTTP route, written once whatever transport serves it. `handle` validates its input with
 * the domain's schemas, authorises, and runs the use case; what comes before it (request id,
 * headers, body, credential, rate limit) and after (error reply, log, metric) is the pipeline's.
 */
export interface Route {
  method: Method;
  /** Express-style path: `/inventory/:product_id`; also the route's name in metrics. */
  path: string;
  /** Needs no credential and spends no budget: read before any credential is looked at. */
  open?: boolean;
  /**
   * A page of the store's own (the dashboard, the docs, the API document): readable without a
   * credential even when reads need one (`READS_PUBLIC=false`), as the pages' static files are.
   */
  page?: boolean;
  /** A read of the cache: answered with `X-Stockwire-Stale`. */
  cached?: boolean;
  handle(req: RouteRequest): Reply | Promise<Reply>;
}
