import type { z } from 'zod';
import { unavailable } from './supabase-rpc.client.js';

/** What a supabase-js query resolves to. */
type QueryAnswer = PromiseLike<{ data: unknown; error: unknown }>;

/** Reads at most one row; a read that does not answer is a 503. */
export async function readRow<T>(
  query: QueryAnswer,
  what: string,
  schema: z.ZodType<T, unknown>,
): Promise<T | null> {
  const { data, error } = await query;
  if (error) throw unavailable(what, error);
  return data === null ? null : schema.parse(data);
}

/** Reads a list of rows; a read that does not answer is a 503. */
export async function readRows<T>(
  query: QueryAnswer,
  what: string,
  schema: z.ZodType<T, unknown>,
): Promise<T[]> {
  const { data, error } = await query;
  if (error) throw unavailable(what, error);
  return schema.array().parse(data);
}

/** The filters every history list shares: product, location, a time range and id bounds. */
export interface HistoryBounds {
  product_id?: string;
  location?: string;
  since?: string;
  until?: string;
  before?: number;
  after?: number;
}

/** The part of a supabase-js query builder that {@link readHistory} uses. */
interface HistoryQuery<Q> extends QueryAnswer {
  eq(column: 'product_id' | 'location', value: string): Q;
  gte(column: 'created_at', value: string): Q;
  lt(column: 'created_at', value: string): Q;
  lt(column: 'id', value: number): Q;
  gt(column: 'id', value: number): Q;
  order(column: 'id', options: { ascending: false }): Q;
  limit(count: number): Q;
}

/**
 * Reads one page of a history list (ledger, alerts), newest first, narrowed by the filters they
 * share (`since` inclusive, `until` exclusive, `before`/`after` exclusive id bounds).
 */
export function readHistory<Q extends HistoryQuery<Q>, T>(
  query: Q,
  filter: HistoryBounds,
  limit: number,
  what: string,
  schema: z.ZodType<T, unknown>,
): Promise<T[]> {
  if (filter.product_id !== undefined) query = query.eq('product_id', filter.product_id);
  if (filter.location !== undefined) query = query.eq('location', filter.location);
  if (filter.since !== undefined) query = query.gte('created_at', filter.since);
  if (filter.until !== undefined) query = query.lt('created_at', filter.until);
  if (filter.before !== undefined) query = query.lt('id', filter.before);
  if (filter.after !== undefined) query = query.gt('id', filter.after);
  return readRows(query.order('id', { ascending: false }).limit(limit), what, schema);
}
