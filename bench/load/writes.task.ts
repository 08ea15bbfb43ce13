import { closedLoop, openLoop } from '../lib/load.js';
import type { Tasks, WriteLoadResult } from './protocol.js';
import { AcceptedLedger, randomMovement, updateRequest, type Movement } from './stock-changes.js';

/** Stock changes through the stores' HTTP API; see {@link Tasks.writes}. */
export async function writes(p: Tasks['writes']['params']): Promise<WriteLoadResult> {
  const ledger = new AcceptedLedger();
  const pick = (storeIndex: number): { movement: Movement; bytes: Buffer; port: number } => {
    const store = p.stores[storeIndex % p.stores.length]!;
    const movement: Movement = p.hot
      ? { product: p.hot.product, location: p.hot.location, change: Math.random() < 0.5 ? -1 : 1 }
      : randomMovement(p.products, store.name);
    return { movement, bytes: updateRequest(movement, store.name), port: store.port };
  };

  if (p.rate !== undefined) {
    const pending = new Map<number, Movement>();
    const result = await openLoop({
      rate: p.rate,
      durationMs: p.durationMs,
      next: (i) => {
        const { movement, bytes, port } = pick(i);
        pending.set(i, movement);
        return { port, bytes };
      },
      onResponse: (i, res) => {
        const m = pending.get(i);
        pending.delete(i);
        if (m && res.status === 200) ledger.add(m);
      },
    });
    return { ...result, accepted: ledger.accepted, unknown: pending.size };
  }

  const last: Movement[] = [];
  let unknown = 0;
  const result = await closedLoop({
    connections: p.connections,
    portOf: (i) => p.stores[i % p.stores.length]!.port,
    next: (i) => {
      const { movement, bytes } = pick(i);
      last[i] = movement;
      return bytes;
    },
    durationMs: p.durationMs,
    warmupMs: p.warmupMs,
    onResponse: (i, res) => {
      if (res.status === 200) ledger.add(last[i]!);
    },
    onError: () => unknown++,
  });
  return { ...result, accepted: ledger.accepted, unknown };
}
