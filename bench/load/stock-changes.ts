import { postJsonRequest } from '../lib/raw-http.js';
import type { AcceptedChanges } from './protocol.js';

/** A ±1 movement: a sale or a restock, so stock stays near where it started. */
export interface Movement {
  product: string;
  location: string;
  change: 1 | -1;
}

export function randomMovement(products: string[], location: string): Movement {
  const product = products[Math.floor(Math.random() * products.length)]!;
  return { product, location, change: Math.random() < 0.5 ? -1 : 1 };
}

export const updateType = (change: number) => (change < 0 ? 'sale' : 'restock');

/** The header a write needs: the bench's API key. */
export const credential = (key: string) => ({ authorization: `Bearer ${key}` });

/** `POST /inventory/{id}/update` bytes; the warehouse is named only when it is not the store's own. */
export function updateRequest(m: Movement, storeName: string, key: string): Buffer {
  return postJsonRequest(
    `/inventory/${m.product}/update`,
    {
      ...(m.location === storeName ? {} : { warehouse: m.location }),
      change: m.change,
      update_type: updateType(m.change),
    },
    credential(key),
  );
}

/** Counts changes the system of record accepted, per row. */
export class AcceptedLedger {
  readonly accepted: AcceptedChanges = {};

  add(m: Movement): void {
    const key = `${m.product}|${m.location}`;
    const row = (this.accepted[key] ??= { count: 0, sum: 0 });
    row.count++;
    row.sum += m.change;
  }
}
