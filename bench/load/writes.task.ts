import { randomUUID } from 'node:crypto';
import { closedLoop, openLoop } from '../lib/load.js';
import { postJsonRequest } from '../lib/raw-http.js';
import type { Tasks, WriteLoadResult } from './protocol.js';
import {
  AcceptedLedger,
  credential,
  randomMovement,
  updateRequest,
  type Movement,
} from './stock-changes.js';

interface Planned {
  bytes: Buffer;
  port: number;
  /** The status that means the write was taken. */
  ok: number;
  /** What the ledger gains when it is: nothing for a hold, which only reserves. */
  movement: Movement | null;
}

/** Writes through the stores' HTTP API, of one kind; see {@link Tasks.writes}. */
export async function writes(p: Tasks['writes']['params']): Promise<WriteLoadResult> {
  const ledger = new AcceptedLedger();
  const run = randomUUID().slice(0, 8);
  let orders = 0;
  let transfers = 0;
  const plan = (storeIndex: number): Planned => {
    const store = p.stores[storeIndex % p.stores.length]!;
    const movement: Movement = p.hot
      ? { product: p.hot.product, location: p.hot.location, change: Math.random() < 0.5 ? -1 : 1 }
      : randomMovement(p.products, store.name);
    switch (p.kind ?? 'update') {
      case 'update':
        return {
          bytes: updateRequest(movement, store.name, p.key),
          port: store.port,
          ok: 200,
          movement,
        };
      case 'hold':
        return {
          bytes: postJsonRequest(
            `/inventory/${movement.product}/reserve`,
            { quantity: 1 },
            credential(p.key),
          ),
          port: store.port,
          ok: 201,
          movement: null,
        };
      case 'order':
        return {
          bytes: postJsonRequest(
            '/orders',
            {
              order_id: `bench-${run}-${orders++}`,
              lines: [{ product_id: movement.product, quantity: 1 }],
            },
            credential(p.key),
          ),
          port: store.port,
          ok: 201,
          movement: { ...movement, change: -1 },
        };
      case 'transfer':
        // The ledger gains its transfer_out at the origin; the destination's row moves in transit.
        return {
          bytes: postJsonRequest(
            '/transfers',
            {
              transfer_id: `bench-${run}-${transfers++}`,
              from: store.name,
              to: p.stores[(storeIndex + 1) % p.stores.length]!.name,
              lines: [{ product_id: movement.product, quantity: 1 }],
            },
            credential(p.key),
          ),
          port: store.port,
          ok: 201,
          movement: { ...movement, location: store.name, change: -1 },
        };
    }
  };

  if (p.rate !== undefined) {
    const pending = new Map<number, Planned>();
    const result = await openLoop({
      rate: p.rate,
      durationMs: p.durationMs,
      next: (i) => {
        const planned = plan(i);
        pending.set(i, planned);
        return planned;
      },
      onResponse: (i, res) => {
        const planned = pending.get(i);
        pending.delete(i);
        if (planned?.movement && res.status === planned.ok) ledger.add(planned.movement);
      },
    });
    return { ...result, accepted: ledger.accepted, unknown: pending.size };
  }

  const last: Planned[] = [];
  let unknown = 0;
  const result = await closedLoop({
    connections: p.connections,
    portOf: (i) => p.stores[i % p.stores.length]!.port,
    next: (i) => (last[i] = plan(i)).bytes,
    durationMs: p.durationMs,
    warmupMs: p.warmupMs,
    onResponse: (i, res) => {
      const planned = last[i]!;
      if (planned.movement && res.status === planned.ok) ledger.add(planned.movement);
    },
    onError: () => unknown++,
  });
  return { ...result, accepted: ledger.accepted, unknown };
}
