import type {
  IncomingMessage,
  OutgoingHttpHeaders,
  RequestListener,
  ServerResponse,
} from 'node:http';
import type { Principal, ProductId, ProductInventory, StockUpdateRequest } from '@stockwire/domain';
import type { RequestContext } from '../inventory/request.context.js';
import { errorReply } from './error.middleware.js';
import { headerPairs, writeJson } from './inventory.fast-read.js';
import { requestIdFrom } from './request-id.js';

/** What body-parser accepts as a JSON body in UTF-8 without looking further. */
const JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset=(?:"utf-8"|utf-8)[ \t]*)?$/i;
/** `/inventory/{id}/update` with a plain id: anything escaped or with a query goes to Express. */
const UPDATE_PATH = /^\/inventory\/([A-Za-z0-9_-]{1,64})\/update$/;

/** What one answered request was, for the request log and metrics. */
export interface FastWriteRecord {
  id: string;
  req: IncomingMessage;
  status: number;
  /** Whether the request reached the route (metrics name it) or stopped before (unmatched). */
  routed: boolean;
  ms: number;
}

export interface FastWriteOptions {
  /** Largest body, in bytes, as Express's JSON parser is configured. */
  bodyLimit: number;
  /** Whether this path may answer now (the store is not draining); if not, Express does. */
  enabled: () => boolean;
  /** Headers every response carries, as the app's middleware sets them (security headers, CORS). */
  headers: OutgoingHttpHeaders;
  /** Counts the request in flight until it ends. */
  track: (res: ServerResponse) => void;
  /** The client address, as Express's `req.ip` (trusted proxies applied). */
  ip: (req: IncomingMessage) => string;
  authenticate: (authorization: string | undefined) => Promise<Principal | null>;
  /** Spends the write budget of the address and the credential; throws when it is spent. */
  limit: (ip: string, principal: Principal | null) => Promise<void>;
  /** The route's checks, in order ({@link stockUpdateRequest}). */
  check: (
    principal: Principal | null,
    params: unknown,
    body: unknown,
  ) => { productId: ProductId; request: StockUpdateRequest; who: Principal };
  update: (
    productId: ProductId,
    request: StockUpdateRequest,
    ctx: RequestContext,
  ) => Promise<ProductInventory>;
  /** Told of every request answered here. */
  answered: (record: FastWriteRecord) => void;
  log: (message: string, error?: unknown) => void;
}

/** body-parser's error for a body that is not JSON, which the error replies understand. */
const notJson = () => Object.assign(new Error('not JSON'), { type: 'entity.parse.failed' });

/** Parses a JSON body as body-parser does (strict: an object or array; empty is `{}`). */
function parseJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  // JSON.parse refuses any other leading whitespace than trimStart removes, as body-parser does.
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[') throw notJson();
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw notJson();
  }
}

/**
 * `POST /inventory/{product_id}/update`, the hottest write, answered before Express: the same
 * steps in the same order as the Express pipeline (request id, security headers, JSON body,
 * credential, shared rate limit, the route's checks, the change), the same responses and errors
 * ({@link errorReply}), request line and metric, at a fraction of Express's cost per request.
 * Whatever this path does not take on — an `Origin` (CORS), an `Idempotency-Key`, a body that is
 * not plain UTF-8 JSON of a known length within the limit, an escaped id, a draining store — goes
 * to `next` (Express) untouched.
 */
export function fastStockUpdate(options: FastWriteOptions, next: RequestListener): RequestListener {
  const lasting = headerPairs(options.headers);

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    productId: string,
    text: string,
    id: string,
    started: number,
  ) => {
    let routed = false;
    let answer: { status: number; body: unknown; headers?: Record<string, string> };
    try {
      const body = parseJson(text);
      const principal = await options.authenticate(req.headers.authorization);
      await options.limit(options.ip(req), principal);
      routed = true;
      const {
        request,
        who,
        productId: product,
      } = options.check(principal, { product_id: productId }, body);
      const view = await options.update(product, request, { requestId: id, actor: who.actor });
      answer = { status: 200, body: view };
    } catch (error) {
      answer = errorReply(error, `${req.method} ${req.url}`, options.log);
    }
    const { status } = answer;
    // Counted and logged once the response is sent, as Express's middleware does ('finish').
    res.once('finish', () => {
      try {
        options.answered({ id, req, status, routed, ms: performance.now() - started });
      } catch (error) {
        options.log('could not record an answered request', error);
      }
    });
    const bytes = Buffer.from(JSON.stringify(answer.body));
    writeJson(res, status, lasting, headerPairs(answer.headers ?? {}), id, bytes);
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const headers = req.headers;
    const match = req.method === 'POST' ? UPDATE_PATH.exec(req.url ?? '') : null;
    const type = headers['content-type'];
    const length = Number(headers['content-length']);
    if (
      !match?.[1] ||
      headers.origin !== undefined ||
      headers['idempotency-key'] !== undefined ||
      headers['content-encoding'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      type === undefined ||
      !JSON_TYPE.test(type) ||
      !(length >= 0 && length <= options.bodyLimit) ||
      !options.enabled()
    ) {
      next(req, res);
      return;
    }
    const productId = match[1];
    const started = performance.now();
    const id = requestIdFrom(headers['x-request-id']);
    options.track(res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      handle(req, res, productId, text, id, started).catch((error: unknown) => {
        // Only writing the answer can fail here: nothing more can be said on this connection.
        options.log(`${req.method} ${req.url}: could not answer`, error);
        res.destroy();
      });
    });
    // An aborted upload has no one left to answer.
    req.on('error', () => res.destroy());
  };
}
