import { randomInt } from 'node:crypto';
import {
  ERROR_CODES,
  StockwireError,
  type CreateProductRequest,
  type InventoryMessage,
  type ProductId,
  type ProductInventory,
  type StockChangedMessage,
  type StockUpdateRequest,
  type StoreName,
} from '@stockwire/domain';
import type { AppliedChange, InventoryStore, RefusedChange } from '../store/inventory.store.js';
import type { InventoryCache } from '../sync/inventory.cache.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { UpdateBus } from '../sync/updates.bus.js';

export interface Origin {
  store: StoreName;
  instanceId: string;
}

export type CatalogueEntry = Pick<
  ProductInventory,
  'product_id' | 'name' | 'description' | 'low_stock_threshold'
>;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A product id in the catalogue's style, e.g. `OLJCESPC7Z`. */
function newProductId(): ProductId {
  return Array.from({ length: 10 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
}

function refusal(productId: ProductId, location: string, result: RefusedChange): StockwireError {
  switch (result.code) {
    case 'product_not_found':
      return new StockwireError(
        ERROR_CODES.PRODUCT_NOT_FOUND,
        `Product ${productId} does not exist`,
      );
    case 'insufficient_stock':
      return new StockwireError(
        ERROR_CODES.INSUFFICIENT_STOCK,
        `Not enough stock of ${productId} at ${location}: ${result.available ?? 0} available`,
        { available_stock: result.available ?? 0, warehouse: location },
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

/**
 * The inventory use cases. A write goes to the database (the truth), then into this instance's
 * cache and out on the bus to every other instance.
 */
export class InventoryService {
  constructor(
    private readonly store: InventoryStore,
    private readonly cache: InventoryCache,
    private readonly sync: InventorySync,
    private readonly bus: UpdateBus,
    private readonly origin: Origin,
    private readonly log: (message: string, error?: unknown) => void,
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
    requestId: string | null,
  ): Promise<ProductInventory> {
    const location = request.warehouse ?? this.origin.store;
    const [result] = await this.store.applyChanges([
      {
        product_id: productId,
        location,
        change: request.change,
        update_type: request.update_type,
        request_id: requestId,
        store: this.origin.store,
      },
    ]);
    if (!result) throw new StockwireError(ERROR_CODES.INTERNAL, 'no result for the change');
    if (!result.ok) throw refusal(productId, location, result);
    this.announce(this.changedMessage(result, requestId));
    return this.viewAfter(result);
  }

  async createProduct(
    request: CreateProductRequest,
    requestId: string | null,
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
      request_id: requestId,
      store: this.origin.store,
    });
    if (!result.ok) {
      throw new StockwireError(ERROR_CODES.PRODUCT_EXISTS, `Product ${id} already exists`, {
        field: 'product_id',
      });
    }
    this.announce({
      type: 'product_created',
      product: result.product,
      levels: result.levels,
      store: this.origin.store,
      instance_id: this.origin.instanceId,
      timestamp: new Date().toISOString(),
    });
    return this.get(id);
  }

  private changedMessage(result: AppliedChange, requestId: string | null): StockChangedMessage {
    return {
      type: 'stock_changed',
      product_id: result.product_id,
      location: result.location,
      on_hand: result.on_hand,
      reserved: result.reserved,
      version: result.version,
      change: result.change,
      update_type: result.update_type,
      event_id: result.event_id,
      request_id: requestId,
      updated_at: result.updated_at,
      store: this.origin.store,
      instance_id: this.origin.instanceId,
      timestamp: new Date().toISOString(),
    };
  }

  /**
   * Applies a committed change here at once (so this store reads its own writes) and publishes it.
   * A failed publish does not undo the write: the database has it, other instances repair by version.
   */
  private announce(message: InventoryMessage): void {
    this.sync.accept(message);
    this.bus.publish(message).catch((error: unknown) => this.log('publish failed', error));
  }

  /**
   * The product as this change left it. The cache may still be waiting for an earlier version from
   * another store; the response must not show less than what this write committed.
   */
  private viewAfter(result: AppliedChange): ProductInventory {
    const view = this.get(result.product_id);
    const cached = view.locations[result.location];
    if (cached && cached.version >= result.version) return view;
    const before = cached ?? { on_hand: 0, reserved: 0, available: 0, version: 0 };
    const after = {
      on_hand: result.on_hand,
      reserved: result.reserved,
      available: result.on_hand - result.reserved,
      version: result.version,
    };
    return {
      ...view,
      total_stock: view.total_stock - before.on_hand + after.on_hand,
      reserved_stock: view.reserved_stock - before.reserved + after.reserved,
      available_stock: view.available_stock - before.available + after.available,
      warehouses: { ...view.warehouses, [result.location]: after.on_hand },
      locations: { ...view.locations, [result.location]: after },
      version: view.version - before.version + after.version,
      last_updated: result.updated_at,
    };
  }
}
