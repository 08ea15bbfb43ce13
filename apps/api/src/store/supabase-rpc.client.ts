import { ERROR_CODES, StockwireError } from '@stockwire/domain';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type { Database } from './database.types.js';
import type { Idempotent } from './inventory.store.js';
import { idempotent } from './supabase-results.schema.js';

type Functions = Database['public']['Functions'];

/** Reads a SQL function's answer; throws where it is not what the function promises. */
export type AnswerReader<T> = (raw: unknown, fn: keyof Functions) => T;

/** A database call that did not answer: the caller gets a 503, and nothing was half-done. */
export function unavailable(what: string, cause: unknown): StockwireError {
  return new StockwireError(
    ERROR_CODES.DATABASE_UNAVAILABLE,
    `The inventory database is unavailable (${what}); nothing was changed. Try again shortly.`,
    undefined,
    { cause },
  );
}

/** A write whose answer was lost after it was sent: it may or may not have been made. */
export function outcomeUnknown(
  what: string,
  requestId: string | null,
  cause: unknown,
): StockwireError {
  return new StockwireError(
    ERROR_CODES.OUTCOME_UNKNOWN,
    `The inventory database took this write (${what}) but its answer was lost, and whether it was made could not be found out yet. Retrying with the same Idempotency-Key is safe: it answers what was done, or does it now.`,
    requestId === null ? undefined : { request_id: requestId },
    { cause },
  );
}

/** Failures of the connection itself that happen before a request can reach the server. */
const NEVER_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/**
 * Whether a failed call may have been carried out all the same. PostgREST answers a failed
 * transaction with its own error, so any answer but a gateway's 502/504 means nothing was
 * written; so does a connection that was refused. A connection lost once the request was on its
 * way (`socket hang up`, a reset, a gateway that lost PostgREST) leaves it unknown.
 */
export function mayHaveCommitted(
  status: number,
  error: { message: string; details?: string },
): boolean {
  if (status === 502 || status === 504) return true;
  if (status !== 0) return false;
  return !NEVER_SENT.test(`${error.message} ${error.details ?? ''}`);
}

/** An answer that is one value of `schema`. */
export const single =
  <T>(schema: z.ZodType<T>): AnswerReader<T> =>
  (raw) =>
    schema.parse(raw);

/** The answer to a write that may have carried an idempotency key: a result, replay or mismatch. */
export const keyed =
  <T>(schema: z.ZodType<T>): AnswerReader<Idempotent<T>> =>
  (raw) =>
    idempotent(schema, raw);

/** The answer of a batch function: exactly one keyed result per item sent, in order. */
export const perItem =
  <T>(count: number, schema: z.ZodType<T>): AnswerReader<Idempotent<T>[]> =>
  (raw, fn) => {
    const items = z.array(z.unknown()).parse(raw);
    if (items.length !== count) {
      throw new StockwireError(
        ERROR_CODES.INTERNAL,
        `${fn} answered ${items.length} results for ${count} items`,
      );
    }
    return items.map((item) => idempotent(schema, item));
  };

/**
 * The one way the store calls a SQL function. A call that failed is a 503: `database_unavailable`
 * when its transaction did not happen, `outcome_unknown` (an {@link OutcomeUnknownError}) when a
 * write may have been made; what it answers is checked by `read` before anyone uses it.
 */
export class SupabaseRpcClient {
  constructor(private readonly db: SupabaseClient<Database>) {}

  async call<F extends keyof Functions, T>(
    fn: F,
    args: Functions[F]['Args'],
    read: AnswerReader<T>,
    kind: 'write' | 'read' = 'write',
  ): Promise<T> {
    const res = await this.db.rpc(fn, args);
    if (res.error) {
      if (kind === 'write' && mayHaveCommitted(res.status, res.error))
        throw outcomeUnknown(fn, null, res.error);
      throw unavailable(fn, res.error);
    }
    return read(res.data, fn);
  }
}
