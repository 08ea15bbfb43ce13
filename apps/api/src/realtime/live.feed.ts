import {
  FeedFilterSchema,
  ResumeSinceSchema,
  describeFieldErrors,
  fieldErrors,
  type FeedFilter,
  type InventoryEvent,
  type ProductId,
  type ProductInventory,
} from '@stockwire/domain';
import { z } from 'zod';

/** What a live client asks for at connect: its filter, and where to resume from. */
const FeedRequestSchema = FeedFilterSchema.and(z.object({ since: ResumeSinceSchema.optional() }));

/** What the live gateways show a client, narrowed to what it watches. */
export interface LiveFeed {
  /** Every product the client watches, as it sees them: its snapshot. */
  views(filter: FeedFilter): ProductInventory[];
  /** {@link views} as JSON, made of bytes kept per product rather than encoded per client. */
  encodedViews(filter: FeedFilter): string;
  /** One product as the client sees it; undefined if it does not watch it. */
  view(id: ProductId, filter: FeedFilter): ProductInventory | undefined;
  /**
   * The ledger's rows after `since`, oldest first; null when there are more than
   * {@link RESUME_MAX_EVENTS}.
   */
  missed(since: number): Promise<InventoryEvent[] | null>;
  /**
   * The stock rows of ledger rows with ids before `since` that may have committed after it, so
   * that a client which saw `since` live may not have seen them.
   */
  committedLate(since: number): Promise<{ product_id: ProductId; location: string }[]>;
}

/**
 * A client's filter from its connect parameters (`locations`, `products`); a bad one is a
 * message naming each parameter.
 */
export function feedFilter(
  params: Record<string, unknown>,
  since: unknown,
): { ok: true; filter: FeedFilter; since: number | undefined } | { ok: false; message: string } {
  const parsed = FeedRequestSchema.safeParse({
    locations: params.locations,
    products: params.products,
    since,
  });
  if (parsed.success) {
    const { since: after, ...filter } = parsed.data;
    return { ok: true, filter, since: after };
  }
  return {
    ok: false,
    message: `invalid feed request: ${describeFieldErrors(fieldErrors(parsed.error))}`,
  };
}
