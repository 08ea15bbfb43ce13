import { ERROR_CODES, StockwireError, type ErrorCode } from '@stockwire/domain';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../telemetry/logger.js';

/** Every error code's HTTP status; a new code does not compile until it has one. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  not_found: 404,
  product_not_found: 404,
  product_exists: 409,
  location_not_found: 404,
  location_inactive: 409,
  location_exists: 409,
  insufficient_stock: 409,
  count_below_reserved: 409,
  quantity_out_of_range: 409,
  invalid_change: 400,
  reservation_not_found: 404,
  reservation_committed: 409,
  reservation_released: 409,
  reservation_expired: 409,
  transfer_not_found: 404,
  transfer_exists: 409,
  transfer_finished: 409,
  transfer_line_not_found: 409,
  transfer_quantity_exceeded: 409,
  idempotency_key_reused: 422,
  unauthorized: 401,
  forbidden: 403,
  not_ready: 503,
  rate_limited: 429,
  key_exists: 409,
  key_not_found: 404,
  webhook_not_found: 404,
  delivery_not_found: 404,
  url_not_allowed: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  database_unavailable: 503,
  outcome_unknown: 503,
  internal: 500,
};

/** Known errors worth a log line each: the database failing a write. (`not_ready` is logged once
 * per state by the store that waits, not per request.) */
const LOGGED: ReadonlySet<ErrorCode> = new Set([
  ERROR_CODES.DATABASE_UNAVAILABLE,
  ERROR_CODES.OUTCOME_UNKNOWN,
]);

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string } & Record<string, unknown>;
}

/** body-parser's errors carry a `type`; turn the ones a client causes into 4xx codes. */
function fromBodyParser(err: unknown): StockwireError | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null;
  switch (err.type) {
    case 'entity.parse.failed':
      return new StockwireError(ERROR_CODES.VALIDATION_FAILED, 'Request body is not valid JSON', {
        fields: { body: ['is not valid JSON'] },
      });
    case 'entity.too.large':
      return new StockwireError(ERROR_CODES.PAYLOAD_TOO_LARGE, 'Request body is too large', {
        fields: { body: ['is too large'] },
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new StockwireError(ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, 'Unsupported body encoding');
    default:
      return null;
  }
}

export const notFound: RequestHandler = (req) => {
  throw new StockwireError(ERROR_CODES.NOT_FOUND, `No route for ${req.method} ${req.path}`);
};

/** An error as the response it becomes: status, JSON body and any headers. */
export interface ErrorReply {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/**
 * The one place errors become responses. Unknown errors (and an unavailable database) are logged
 * with `what` (method and URL) and answered without details.
 */
export function errorReply(err: unknown, what: string, log: Logger): ErrorReply {
  const known = err instanceof StockwireError ? err : fromBodyParser(err);
  const error =
    known ?? new StockwireError(ERROR_CODES.INTERNAL, 'Internal error', undefined, { cause: err });
  if (!known || LOGGED.has(error.code)) {
    log(`${what} failed: ${error.message}`, error.cause ?? err);
  }
  const status = HTTP_STATUS[error.code];
  const headers: Record<string, string> = {};
  if (status === 503) headers['Retry-After'] = '1';
  const retryAfter = error.details?.retry_after_seconds;
  if (status === 429 && typeof retryAfter === 'number') headers['Retry-After'] = String(retryAfter);
  return {
    status,
    body: { error: { ...error.details, code: error.code, message: error.message } },
    headers,
  };
}

/** Express's end of {@link errorReply}, for the pages. */
export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const reply = errorReply(err, `${req.method} ${req.originalUrl}`, log);
    res.set(reply.headers).status(reply.status).json(reply.body);
  };
}
