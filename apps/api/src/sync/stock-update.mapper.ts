import type { ProductInventory, StockChangedMessage, StockUpdate } from '@stockwire/domain';

/** A change applied to the cache, as clients see it, with the product's totals after it. */
export function toStockUpdate(change: StockChangedMessage, view: ProductInventory): StockUpdate {
  return {
    product_id: change.product_id,
    warehouse: change.location,
    quantity: change.on_hand,
    change: change.change,
    reserved_change: change.reserved_change,
    in_transit: change.in_transit ?? view.locations[change.location]?.in_transit ?? 0,
    update_type: change.update_type,
    version: change.version,
    product_version: view.version,
    timestamp: change.updated_at,
    total_stock: view.total_stock,
    reserved_stock: view.reserved_stock,
    available_stock: view.available_stock,
    store: change.store,
    event_id: change.event_id,
    order_id: change.order_id,
    reservation_id: change.reservation_id,
    transfer_id: change.transfer_id,
  };
}
