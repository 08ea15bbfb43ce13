import { randomInt } from 'node:crypto';
import {
  ERROR_CODES,
  StockwireError,
  type CreateProductRequest,
  type Location,
  type ProductId,
  type ProductInventory,
  type StockUpdateRequest,
} from '@stockwire/domain';
import type { InventoryStore, RefusalCode, RowChange } from '../store/inventory.store.js';
import type { InventoryCache } from '../sync/inventory.cache.js';
import type { ChangePublisher } from './change.publisher.js';
import { settle, type Outcome, type RequestContext } from './request.context.js';

export type CatalogueEntry = Pick<
  ProductInventory,
  'product_id' | 'name' | 'description' | 'low_stock_threshold'
>;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A product id in the catalogue's style, e.g. `OLJCESPC7Z`. */
function newProductId(): ProductId {
  return Array.from({ length: 10 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
}

/** The error for a movement the database refused; nothing of it was written. */
export function refusal(
  code: RefusalCode,
  productId: ProductId,
  location: Location,
  available = 0,
): StockwireError {
  switch (code) {
    case 'product_not_found':
      return new StockwireError(
        ERROR_CODES.PRODUCT_NOT_FOUND,
        `Product ${productId} does not exist`,
      );
    case 'insufficient_stock':
      return new StockwireError(
        ERROR_CODES.INSUFFICIENT_STOCK,
        `Not enough stock of ${productId} at ${location}: ${available} available`,
        { available_stock: available, warehouse: location },
      );
    case 'quantity_out_of_range':
      return new StockwireError(
        ERROR_CODES.QUANTITY_OUT_OF_RANGE,
        `Stock of ${productId} at ${location} would exceed the largest quantity stored`,
        { warehouse: location },
      );
    case 'invalid_change':
      return new StockwireError(ERROR_CODES.INVALID_CHANGE, 'change does not fit update_type', {
        field: 'change',
      });
  }
}

/** The inventory use cases: reads from the cache, writes to the database and then everywhere. */
export class InventoryService {
  constructor(
    private readonly store: InventoryStore,
    private readonly cache: InventoryCache,
    private readonly publisher: ChangePublisher,
  ) {}

  list(): ProductInventory[] {
    return this.cache.views();
  }

  /** The catalogue: every product without its stock. */
  catalogue(): CatalogueEntry[] {
    return this.cache.views().map(({ product_id, name, description, low_stock_threshold }) => ({
      product_id,
      name,
      description,
      low_stock_threshold,
    }));
  }

  get(id: ProductId): ProductInventory {
    const view = this.cache.view(id);
    if (!view)
      throw new StockwireError(ERROR_CODES.PRODUCT_NOT_FOUND, `Product ${id} does not exist`);
    return view;
  }

  /** Applies one stock movement; refused movements write nothing and throw. */
  async updateStock(
    productId: ProductId,
    request: StockUpdateRequest,
    ctx: RequestContext,
  ): Promise<Outcome<ProductInventory>> {
    const location = request.warehouse ?? this.publisher.store;
    const [answer] = await this.store.applyChanges([
      {
        product_id: productId,
        location,
        change: request.change,
        update_type: request.update_type,
        request_id: ctx.requestId,
        actor: ctx.actor,
        store: this.publisher.store,
        ...(ctx.idempotency && { idempotency: ctx.idempotency }),
      },
    ]);
    if (!answer) throw new StockwireError(ERROR_CODES.INTERNAL, 'no result for the change');
    const { result, replayed, response } = settle(answer);
    if (!replayed) this.publisher.publishEffects(result, ctx.requestId);
    if (!result.ok) throw refusal(result.code, productId, location, result.available);
    const change = result.changes.find(
      (c) => c.product_id === productId && c.location === location,
    );
    return {
      value: change ? this.viewAfter(change) : this.get(productId),
      replay: response,
      replayed,
    };
  }

  async createProduct(
    request: CreateProductRequest,
    ctx: RequestContext,
  ): Promise<ProductInventory> {
    const id = request.product_id ?? newProductId();
    const result = await this.store.createProduct({
      product: {
        id,
        name: request.name,
        description: request.description,
        low_stock_threshold: request.low_stock_threshold,
      },
      stock: request.stock,
      request_id: ctx.requestId,
      actor: ctx.actor,
      store: this.publisher.store,
    });
    if (!result.ok) {
      throw new StockwireError(ERROR_CODES.PRODUCT_EXISTS, `Product ${id} already exists`, {
        field: 'product_id',
      });
    }
    this.publisher.publish({
      type: 'product_created',
      product: result.product,
      levels: result.levels,
      store: this.publisher.store,
      instance_id: this.publisher.instanceId,
      timestamp: new Date().toISOString(),
    });
    return this.get(id);
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
    const before = cached ?? { on_hand: 0, reserved: 0, available: 0, version: 0 };
    const after = {
      on_hand: change.on_hand,
      reserved: change.reserved,
      available: change.on_hand - change.reserved,
      version: change.version,
    };
    return {
      ...view,
      total_stock: view.total_stock - before.on_hand + after.on_hand,
      reserved_stock: view.reserved_stock - before.reserved + after.reserved,
      available_stock: view.available_stock - before.available + after.available,
      warehouses: { ...view.warehouses, [change.location]: after.on_hand },
      locations: { ...view.locations, [change.location]: after },
      version: view.version - before.version + after.version,
      last_updated: change.updated_at,
    };
  }
}
