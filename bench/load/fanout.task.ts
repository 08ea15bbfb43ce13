import { performance } from 'node:perf_hooks';
import { Latencies } from '../lib/latency.js';
import { openLoop } from '../lib/load.js';
import { connectMany } from '../lib/socketio-probe.js';
import type { FanoutResult, Tasks } from './protocol.js';
import { AcceptedLedger, randomMovement, updateRequest, type Movement } from './stock-changes.js';

interface UpdateFields {
  product_id: string;
  warehouse: string;
  version: number;
}

interface ViewFields {
  locations: Record<string, { version: number } | undefined>;
}

const key = (product: string, location: string, version: number) =>
  `${product}|${location}|${version}`;

/** The update's row and version, as the store writes its fields (in this order). */
const UPDATE_KEY = /^\["update",\{"product_id":"([^"]+)","warehouse":"([^"]+)",.*?"version":(\d+)/;

/** The same, for an update whose fields come in another order; null for other events. */
function updateKey(text: string): string | null {
  const [name, update] = JSON.parse(text) as [string, UpdateFields];
  return name === 'update' ? key(update.product_id, update.warehouse, update.version) : null;
}

/** An event's `product|location|version`, or null when it is not an `update`. */
export function updateKeyOf(text: string): string | null {
  // Reading three fields with a regex keeps a load generator's own share of the latency small:
  // it receives every event once per client, hundreds at a time.
  const m = UPDATE_KEY.exec(text);
  return m ? key(m[1]!, m[2]!, Number(m[3])) : updateKey(text);
}

/**
 * Time from a write's response at one store to its `update` event at Socket.IO clients of the
 * other stores, at a fixed write rate. Clients and writer share this process, hence one clock.
 */
export async function fanout(p: Tasks['fanout']['params']): Promise<FanoutResult> {
  const arrivals = new Map<string, number[]>();
  const { probes, failed } = await connectMany(p.listeners, p.clients, (text, at) => {
    const k = updateKeyOf(text);
    if (k === null) return;
    const list = arrivals.get(k);
    if (list) list.push(at);
    else arrivals.set(k, [at]);
  });

  const ledger = new AcceptedLedger();
  const answered = new Map<string, number>();
  const pending = new Map<number, Movement>();
  const writes = await openLoop({
    rate: p.rate,
    durationMs: p.durationMs,
    next: (i) => {
      const m = randomMovement(p.products, p.writer.name);
      pending.set(i, m);
      return { port: p.writer.port, bytes: updateRequest(m, p.writer.name, p.key) };
    },
    onResponse: (i, res, _due, answeredAt) => {
      const m = pending.get(i)!;
      pending.delete(i);
      if (res.status !== 200) return;
      ledger.add(m);
      const view = JSON.parse(res.body.toString()) as ViewFields;
      const version = view.locations[m.location]?.version ?? 0;
      answered.set(key(m.product, m.location, version), answeredAt);
    },
  });

  const expected = answered.size * probes.length;
  const count = () => {
    let n = 0;
    for (const k of answered.keys()) n += arrivals.get(k)?.length ?? 0;
    return n;
  };
  const deadline = performance.now() + 3000;
  while (count() < expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  probes.forEach((probe) => probe.close());

  const latency = new Latencies();
  let beforeResponse = 0;
  for (const [k, answeredAt] of answered) {
    for (const at of arrivals.get(k) ?? []) {
      const ms = at - answeredAt;
      if (ms < 0) beforeResponse++;
      latency.add(Math.max(0, ms));
    }
  }
  return {
    writes,
    clients: probes.length,
    failedClients: failed,
    latency: latency.summary(),
    beforeResponse,
    deliveries: latency.count,
    expectedDeliveries: expected,
    deliveriesPerSecond: latency.count / writes.seconds,
    accepted: ledger.accepted,
  };
}
