import type { StockChangedMessage } from './messages.js';
import type { ProductStock, StockLevel } from './stock.js';

/*
 * Test data shared by the packages' tests (`@stockwire/domain/fixtures`): one product, stocked at
 * main-store, and changes to it by version. Not part of the domain's public index.
 */

export const product = { id: 'P1', name: 'Mug', description: '', low_stock_threshold: 5 };

/** A stock row at `location` with `onHand` units at row version `version`. */
export function levelAt(location: string, onHand: number, version: number): StockLevel {
  return { location, on_hand: onHand, reserved: 0, in_transit: 0, version, updated_at: 't' };
}

/** The product with `onHand` units at main-store, at row version `version`. */
export function stockAt(onHand: number, version: number): ProductStock {
  return { product, levels: new Map([['main-store', levelAt('main-store', onHand, version)]]) };
}

/** A sale at main-store from another instance that left `onHand` units at row version `version`. */
export function change(version: number, onHand: number): StockChangedMessage {
  return {
    type: 'stock_changed',
    product_id: 'P1',
    location: 'main-store',
    on_hand: onHand,
    reserved: 0,
    in_transit: 0,
    version,
    change: -1,
    reserved_change: 0,
    update_type: 'sale',
    event_id: version,
    request_id: null,
    order_id: null,
    reservation_id: null,
    transfer_id: null,
    updated_at: 't',
    store: 'main-store',
    instance_id: 'other',
    timestamp: new Date().toISOString(),
  };
}
