import { ERROR_CODES, StockwireError } from '@stockwire/domain';
import type { IdempotencyKey, Idempotent } from '../store/inventory.store.js';

/** What a write carries besides its body: the request id for the ledger, an idempotency key. */
export interface RequestContext {
  requestId: string;
  /** Who asked: recorded in the ledger (`key:…`, `user:…`, `stream:…`). */
  actor: string;
  idempotency?: IdempotencyKey;
}

/** A write's result, and whether it is the replay of an earlier request with the same key. */
export interface Outcome<T> {
  value: T;
  /** The response kept for the key, to send verbatim; null for a first request. */
  replay: { status: number; body: unknown } | null;
  replayed: boolean;
}

/** Turns the store's answer into a result, refusing a key reused for another request. */
export function settle<T>(answer: Idempotent<T>): {
  result: T;
  replayed: boolean;
  response: Outcome<T>['replay'];
} {
  if ('mismatch' in answer) {
    throw new StockwireError(
      ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
      'This Idempotency-Key was already used with a different request',
      { field: 'Idempotency-Key' },
    );
  }
  return { result: answer.result, replayed: answer.replayed, response: answer.response };
}
