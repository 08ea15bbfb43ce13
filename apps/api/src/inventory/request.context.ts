import type { IdempotencyKey } from '../store/inventory.store.js';

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
