import {
  FeedFilterSchema,
  fieldErrors,
  type FeedFilter,
  type ProductId,
  type ProductInventory,
} from '@stockwire/domain';

/** What the live gateways show a client, narrowed to what it watches. */
export interface LiveFeed {
  /** Every product the client watches, as it sees them: its snapshot. */
  views(filter: FeedFilter): ProductInventory[];
  /** One product as the client sees it; undefined if it does not watch it. */
  view(id: ProductId, filter: FeedFilter): ProductInventory | undefined;
}

/**
 * A client's filter from its connect parameters (`locations`, `products`); a bad one is a
 * message naming each parameter.
 */
export function feedFilter(
  params: Record<string, unknown>,
): { ok: true; filter: FeedFilter } | { ok: false; message: string } {
  const parsed = FeedFilterSchema.safeParse({
    locations: params.locations,
    products: params.products,
  });
  if (parsed.success) return { ok: true, filter: parsed.data };
  const fields = Object.entries(fieldErrors(parsed.error))
    .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
    .join('; ');
  return { ok: false, message: `invalid feed filter: ${fields}` };
}
