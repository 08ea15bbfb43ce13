import { randomInt } from 'node:crypto';
import {
  ERROR_CODES,
  locationError,
  locationStock,
  refusalError,
  StockwireError,
  type CatalogueQuery,
  type CreateProductRequest,
  type ProductId,
  type ProductInventory,
  type StockUpdateRequest,
} from '@stockwire/domain';
import type { InventoryStore, RowChange } from '../store/inventory.store.js';
import type { InventoryCache } from '../sync/inventory.cache.js';
import type { Outcome, RequestContext } from './request.context.js';
import { ProductPages, type PageKind } from './product.pages.js';
import type { WriteCommitter } from './write.committer.js';

export type CatalogueEntry = Pick<
  ProductInventory,
  'product_id' | 'name' | 'description' | 'low_stock_threshold'
>;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A product id in the catalogue's style, e.g. `OLJCESPC7Z`. */
function newProductId(): ProductId {
  return Array.from({ length: 10 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
}

/** The inventory use cases: reads from the cache, writes to the database and then everywhere. */
export class InventoryService {
  private readonly pages: ProductPages;

  constructor(
    private readonly store: InventoryStore,
    private readonly cache: InventoryCache,
    private readonly committer: WriteCommitter,
  ) {
    this.pages = new ProductPages(cache);
  }

  /** A page of `GET /inventory` (`inventory`) or `GET /products` (`catalogue`), as JSON. */
  encodedPage(kind: PageKind, query: CatalogueQuery): Buffer {
    return this.pages.encoded(kind, query);
  }

  get(id: ProductId): ProductInventory {
    const view = this.cache.view(id);
    if (!view) throw notFound(id);
    return view;
  }

  /** {@link get} as JSON, encoded once per change. */
  encoded(id: ProductId): Buffer {
    const bytes = this.cache.encoded(id);
    if (!bytes) throw notFound(id);
    return bytes;
  }

  /** {@link encoded}, or undefined for a product the cache does not hold. */
  encodedIfCached(id: string): Buffer | undefined {
    return this.cache.encoded(id);
  }

  /**
   * Applies one stock movement; refused movements write nothing and throw. The answer is the
   * product after it: as the cache's bytes when the cache holds the change (the view of a product
   * stocked in a hundred locations is not built again for each write), else as a view; always a
   * view for a keyed request, whose answer is kept.
   */
  async updateStock(
    productId: ProductId,
    request: StockUpdateRequest,
    ctx: RequestContext,
  ): Promise<Outcome<ProductInventory | Buffer>> {
    const location = request.warehouse ?? this.committer.store;
    const [answer] = await this.store.applyChanges([
      {
        product_id: productId,
        location,
        change: request.change,
        update_type: request.update_type,
        request_id: ctx.requestId,
        actor: ctx.actor,
        store: this.committer.store,
        ...(ctx.idempotency && { idempotency: ctx.idempotency }),
        known_version: this.cache.version(productId, location),
      },
    ]);
    if (!answer) throw new StockwireError(ERROR_CODES.INTERNAL, 'no result for the change');
    const at = { product_id: productId, location };
    const { result, replayed, response } = this.committer.commit(answer, ctx.requestId, (r) =>
      refusalError(r.code, { ...at, available: r.available }),
    );
    const change = result.changes.find(
      (c) => c.product_id === productId && c.location === location,
    );
    const cachedBytes =
      !ctx.idempotency && (!change || this.cache.version(productId, location) >= change.version);
    return {
      value: cachedBytes
        ? this.encoded(productId)
        : change
          ? this.viewAfter(change)
          : this.get(productId),
      replay: response,
      replayed,
    };
  }

  /** Adds a product; with an idempotency key, a retry answers what the first request did. */
  async createProduct(
    request: CreateProductRequest,
    ctx: RequestContext,
  ): Promise<Outcome<ProductInventory>> {
    const id = request.product_id ?? newProductId();
    const answer = await this.store.createProduct({
      product: {
        id,
        name: request.name,
        description: request.description,
        low_stock_threshold: request.low_stock_threshold,
      },
      stock: request.stock,
      request_id: ctx.requestId,
      actor: ctx.actor,
      store: this.committer.store,
      ...(ctx.idempotency && { idempotency: ctx.idempotency }),
    });
    const { result, replayed, response } = this.committer.settle(answer);
    if (!result.ok) {
      if (result.code !== 'product_exists') throw locationError(result.code, result.location);
      throw new StockwireError(ERROR_CODES.PRODUCT_EXISTS, `Product ${id} already exists`, {
        field: 'product_id',
      });
    }
    const created = {
      type: 'product_created' as const,
      product: result.product,
      levels: result.levels,
      ...this.committer.envelope(),
    };
    // A replay wrote nothing now, but the first request may have lost its answer before it
    // announced the product: it is announced again, uncounted.
    if (replayed) this.committer.publish(created);
    else this.committer.announce(created);
    return { value: this.get(result.product.id), replay: response, replayed };
  }

  /**
   * The product as this change left it. The cache may still be waiting for an earlier version from
   * another store; the response must not show less than what this write committed.
   */
  viewAfter(change: RowChange): ProductInventory {
    const view = this.get(change.product_id);
    const cached = Object.hasOwn(view.locations, change.location)
      ? view.locations[change.location]
      : undefined;
    if (cached && cached.version >= change.version) return view;
    const before = cached ?? {
      on_hand: 0,
      reserved: 0,
      available: 0,
      in_transit: 0,
      version: 0,
      reorder_point: 0,
      reorder_quantity: 0,
    };
    // A change that leaves in-transit units or the planning fields out left them as cached.
    const after = locationStock({
      reorder_point: before.reorder_point,
      reorder_quantity: before.reorder_quantity,
      ...change,
      in_transit: change.in_transit ?? before.in_transit,
    });
    return {
      ...view,
      total_stock: view.total_stock - before.on_hand + after.on_hand,
      reserved_stock: view.reserved_stock - before.reserved + after.reserved,
      available_stock: view.available_stock - before.available + after.available,
      reorder_point: view.reorder_point - before.reorder_point + after.reorder_point,
      in_transit_stock: view.in_transit_stock - before.in_transit + after.in_transit,
      warehouses: { ...view.warehouses, [change.location]: after.on_hand },
      locations: { ...view.locations, [change.location]: after },
      version: view.version - before.version + after.version,
      last_updated: change.updated_at,
    };
  }
}

const notFound = (id: ProductId) =>
  new StockwireError(ERROR_CODES.PRODUCT_NOT_FOUND, `Product ${id} does not exist`);
