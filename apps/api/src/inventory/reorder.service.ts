import {
  ERROR_CODES,
  needsReorder,
  refusalError,
  stockPosition,
  StockwireError,
  suggestedQuantity,
  type Location,
  type ProductId,
  type ProductInventory,
  type Reorder,
  type ReorderPointRequest,
  type ReordersPage,
  type ReordersQuery,
} from '@stockwire/domain';
import type { InventoryStore } from '../store/inventory.store.js';
import type { InventoryCache } from '../sync/inventory.cache.js';
import type { InventoryService } from './inventory.service.js';
import type { WriteCommitter } from './write.committer.js';

/**
 * Reorder points: set per product and location in the database and published like any change of
 * the row; what is below its point is read from this instance's cache.
 */
export class ReorderService {
  constructor(
    private readonly store: Pick<InventoryStore, 'setReorderPoint'>,
    private readonly cache: InventoryCache,
    private readonly inventory: InventoryService,
    private readonly committer: WriteCommitter,
  ) {}

  /** Sets the point and quantity of a product at a location; answers the product as it now stands. */
  async set(
    productId: ProductId,
    location: Location,
    patch: ReorderPointRequest,
    requestId: string,
  ): Promise<ProductInventory> {
    const result = await this.store.setReorderPoint({
      product_id: productId,
      location,
      ...patch,
      store: this.committer.store,
    });
    this.committer.commit({ replayed: false, result, response: null }, requestId, (r) =>
      refusalError(r.code, { product_id: productId, location }),
    );
    const change = result.changes[0];
    if (!change)
      throw new StockwireError(ERROR_CODES.INTERNAL, 'no row change for the reorder point');
    return this.inventory.viewAfter(change);
  }

  /** The rows below their reorder point, in (product, location) order, a page at a time. */
  list({ location, limit, cursor }: ReordersQuery): ReordersPage {
    const reorders: Reorder[] = [];
    for (const { product, level } of this.cache.rows()) {
      if (location !== undefined && level.location !== location) continue;
      if (
        cursor &&
        (product.id < cursor.product_id ||
          (product.id === cursor.product_id && level.location <= cursor.location))
      )
        continue;
      if (!needsReorder(level)) continue;
      if (reorders.length === limit) {
        const last = reorders[reorders.length - 1]!;
        return { reorders, next_cursor: `${last.product_id}/${last.location}` };
      }
      reorders.push({
        product_id: product.id,
        name: product.name,
        location: level.location,
        on_hand: level.on_hand,
        reserved: level.reserved,
        available: level.on_hand - level.reserved,
        in_transit: level.in_transit ?? 0,
        position: stockPosition(level),
        reorder_point: level.reorder_point ?? 0,
        reorder_quantity: level.reorder_quantity ?? 0,
        suggested_quantity: suggestedQuantity(level),
      });
    }
    return { reorders, next_cursor: null };
  }
}
