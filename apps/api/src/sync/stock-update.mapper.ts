import type { ProductTotals, StockChangedMessage, StockUpdate } from '@stockwire/domain';

/**
 * A change applied to the cache, as clients see it, with the product's totals after it and what
 * is in transit to the row it changed.
 */
export function toStockUpdate(
  change: StockChangedMessage,
  totals: ProductTotals,
  inTransit: number,
): StockUpdate {
  return {
    product_id: change.product_id,
    warehouse: change.location,
    quantity: change.on_hand,
    change: change.change,
    reserved_change: change.reserved_change,
    in_transit: change.in_transit ?? inTransit,
    update_type: change.update_type,
    version: change.version,
    product_version: totals.version,
    timestamp: change.updated_at,
    total_stock: totals.total_stock,
    reserved_stock: totals.reserved_stock,
    available_stock: totals.available_stock,
    store: change.store,
    event_id: change.event_id,
    order_id: change.order_id,
    reservation_id: change.reservation_id,
    transfer_id: change.transfer_id,
  };
}
