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
 * The one way the store calls a SQL function. A call that does not answer is a 503, and its
 * transaction did not happen; what it answers is checked by `read` before anyone uses it.
 */
export class SupabaseRpcClient {
  constructor(private readonly db: SupabaseClient<Database>) {}

  async call<F extends keyof Functions, T>(
    fn: F,
    args: Functions[F]['Args'],
    read: AnswerReader<T>,
  ): Promise<T> {
    const res = await this.db.rpc(fn, args);
    if (res.error) throw unavailable(fn, res.error);
    return read(res.data, fn);
  }
}
