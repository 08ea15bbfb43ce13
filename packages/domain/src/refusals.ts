import { ERROR_CODES, StockwireError } from './errors.js';
import type { Location, ProductId } from './ids.js';

/** Why the database refused a stock movement; nothing of it was written. */
export type RefusalCode =
  | 'product_not_found'
  | 'location_not_found'
  | 'location_inactive'
  | 'insufficient_stock'
  | 'quantity_out_of_range'
  | 'invalid_change';

/** Why a write may not name a location (a refusal of its own, before any stock is looked at). */
export type LocationRefusalCode = Extract<RefusalCode, 'location_not_found' | 'location_inactive'>;

/** The error a write naming `location` is answered with when the location may not be written. */
export function locationError(code: LocationRefusalCode, location: Location): StockwireError {
  return code === 'location_not_found'
    ? new StockwireError(ERROR_CODES.LOCATION_NOT_FOUND, `Location ${location} does not exist`, {
        warehouse: location,
      })
    : new StockwireError(ERROR_CODES.LOCATION_INACTIVE, `Location ${location} is inactive`, {
        warehouse: location,
      });
}

/** Why the database refused to commit or release a hold. */
export type HoldRefusalCode =
  | 'reservation_not_found'
  | 'reservation_committed'
  | 'reservation_released'
  | 'reservation_expired'
  | 'invalid_change';

/** Where a refused movement was to happen, for the error's message and details. */
export interface RefusedAt {
  product_id: ProductId;
  location: Location;
  /** Units available there, for `insufficient_stock`. */
  available?: number;
}

/** The error a refused movement is answered with. */
export function refusalError(code: RefusalCode, at: RefusedAt): StockwireError {
  const { product_id: id, location } = at;
  switch (code) {
    case 'product_not_found':
      return new StockwireError(ERROR_CODES.PRODUCT_NOT_FOUND, `Product ${id} does not exist`);
    case 'location_not_found':
    case 'location_inactive':
      return locationError(code, location);
    case 'insufficient_stock': {
      const available = at.available ?? 0;
      return new StockwireError(
        ERROR_CODES.INSUFFICIENT_STOCK,
        `Not enough stock of ${id} at ${location}: ${available} available`,
        { available_stock: available, warehouse: location },
      );
    }
    case 'quantity_out_of_range':
      return new StockwireError(
        ERROR_CODES.QUANTITY_OUT_OF_RANGE,
        `Stock of ${id} at ${location} would exceed the largest quantity stored`,
        { warehouse: location },
      );
    case 'invalid_change':
      return new StockwireError(ERROR_CODES.INVALID_CHANGE, 'change does not fit update_type', {
        field: 'change',
      });
  }
}

/** The error a refused commit or release of hold `id` is answered with. */
export function holdRefusalError(
  code: HoldRefusalCode,
  id: string,
  action: 'commit' | 'release',
): StockwireError {
  switch (code) {
    case 'reservation_not_found':
      return new StockwireError(
        ERROR_CODES.RESERVATION_NOT_FOUND,
        `Reservation ${id} does not exist`,
      );
    case 'reservation_committed':
      return new StockwireError(
        ERROR_CODES.RESERVATION_COMMITTED,
        `Reservation ${id} was already committed`,
      );
    case 'reservation_released':
      return new StockwireError(
        ERROR_CODES.RESERVATION_RELEASED,
        `Reservation ${id} was already released`,
      );
    case 'reservation_expired':
      return new StockwireError(
        ERROR_CODES.RESERVATION_EXPIRED,
        `Reservation ${id} has expired; its units are available again`,
      );
    case 'invalid_change':
      return new StockwireError(ERROR_CODES.INTERNAL, `cannot ${action}`);
  }
}
