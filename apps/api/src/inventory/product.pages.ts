import type { CatalogueQuery, ProductId } from '@stockwire/domain';
import type { InventoryCache } from '../sync/inventory.cache.js';
import { GenerationMemo } from './generation.memo.js';

/** What a page lists: products with their stock (`GET /inventory`), or without (`GET /products`). */
export type PageKind = 'inventory' | 'catalogue';

const OPEN = Buffer.from('{"products":[');
const COMMA = Buffer.from(',');

/** The index of the first id after `cursor` in `ids` (sorted), by binary search. */
function after(ids: readonly ProductId[], cursor: ProductId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Pages of products as JSON, put together from each product's bytes as the cache encoded them
 * once per change, so a page costs copying bytes, not encoding objects. A whole unfiltered list is
 * kept as one buffer until the cache changes.
 */
export class ProductPages {
  private readonly whole: GenerationMemo<Buffer>;

  constructor(private readonly cache: InventoryCache) {
    this.whole = new GenerationMemo(() => cache.generation);
  }

  encoded(kind: PageKind, query: CatalogueQuery): Buffer {
    const { limit, cursor, location, product_id } = query;
    const unfiltered = limit === undefined && !cursor && !location && !product_id;
    // Made synchronously, so the memo holds the bytes themselves.
    return unfiltered
      ? (this.whole.get(kind, () => this.assemble(kind, query)) as Buffer)
      : this.assemble(kind, query);
  }

  private assemble(
    kind: PageKind,
    { limit, cursor, location, product_id }: CatalogueQuery,
  ): Buffer {
    let ids = this.cache.sortedIds();
    if (product_id) {
      const wanted = new Set(product_id);
      ids = ids.filter((id) => wanted.has(id));
    }
    if (location) ids = ids.filter((id) => this.cache.stockedAt(id, location));
    const start = cursor === undefined ? 0 : after(ids, cursor);
    const end = limit === undefined ? ids.length : Math.min(ids.length, start + limit);
    const parts: Buffer[] = [OPEN];
    for (let i = start; i < end; i++) {
      const id = ids[i]!;
      const bytes =
        kind === 'catalogue'
          ? this.cache.encodedEntry(id)
          : location
            ? this.cache.encodedAt(id, location)
            : this.cache.encoded(id);
      if (i > start) parts.push(COMMA);
      parts.push(bytes!);
    }
    const next = end < ids.length && end > start ? ids[end - 1]! : null;
    parts.push(Buffer.from(`],"total":${ids.length},"next_cursor":${JSON.stringify(next)}}`));
    return Buffer.concat(parts);
  }
}
