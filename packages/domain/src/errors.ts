/** Every error Stockwire reports, by code. The HTTP layer maps each to a status. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'validation_failed',
  NOT_FOUND: 'not_found',
  PRODUCT_NOT_FOUND: 'product_not_found',
  PRODUCT_EXISTS: 'product_exists',
  LOCATION_NOT_FOUND: 'location_not_found',
  LOCATION_INACTIVE: 'location_inactive',
  LOCATION_EXISTS: 'location_exists',
  INSUFFICIENT_STOCK: 'insufficient_stock',
  COUNT_BELOW_RESERVED: 'count_below_reserved',
  QUANTITY_OUT_OF_RANGE: 'quantity_out_of_range',
  INVALID_CHANGE: 'invalid_change',
  RESERVATION_NOT_FOUND: 'reservation_not_found',
  RESERVATION_COMMITTED: 'reservation_committed',
  RESERVATION_RELEASED: 'reservation_released',
  RESERVATION_EXPIRED: 'reservation_expired',
  TRANSFER_NOT_FOUND: 'transfer_not_found',
  TRANSFER_EXISTS: 'transfer_exists',
  TRANSFER_FINISHED: 'transfer_finished',
  TRANSFER_LINE_NOT_FOUND: 'transfer_line_not_found',
  TRANSFER_QUANTITY_EXCEEDED: 'transfer_quantity_exceeded',
  IDEMPOTENCY_KEY_REUSED: 'idempotency_key_reused',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_READY: 'not_ready',
  RATE_LIMITED: 'rate_limited',
  KEY_EXISTS: 'key_exists',
  KEY_NOT_FOUND: 'key_not_found',
  WEBHOOK_NOT_FOUND: 'webhook_not_found',
  DELIVERY_NOT_FOUND: 'delivery_not_found',
  URL_NOT_ALLOWED: 'url_not_allowed',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  DATABASE_UNAVAILABLE: 'database_unavailable',
  OUTCOME_UNKNOWN: 'outcome_unknown',
  INTERNAL: 'internal',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The one error type: a code, a message for people, optional details, and the cause kept. */
export class StockwireError extends Error {
  override readonly name = 'StockwireError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
