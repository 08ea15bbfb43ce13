import { performance } from 'node:perf_hooks';
import { openLoop } from '../lib/load.js';
import { SocketIoProbe } from '../lib/socketio-probe.js';
import { updateKeyOf } from './fanout.task.js';
import type { LatencyHistogram, Tasks } from './protocol.js';
import { AcceptedLedger, updateRequest, type Movement } from './stock-changes.js';

/**
 * The chain's feeds: thousands of narrowed Socket.IO clients, spread over load processes, and
 * writes from another. Times are wall-clock milliseconds (`performance.timeOrigin + now`), so that
 * a write sent in one process and its delivery in another are on one clock.
 */
const wall = (at: number) => performance.timeOrigin + at;

/** `product|location|version` → its location. */
const locationOf = (key: string) => key.slice(key.indexOf('|') + 1, key.lastIndexOf('|'));

/** A latency's bin: 0.1 ms up to 100 ms, 1 ms up to 1 s, 10 ms beyond. */
function binOf(ms: number): number {
  if (ms < 100) return Math.floor(ms * 10) / 10;
  if (ms < 1000) return Math.floor(ms);
  return Math.floor(ms / 10) * 10;
}

interface Listening {
  probes: SocketIoProbe[];
  /** Sockets watching each location. */
  watching: Map<string, number>;
  /** When each update arrived, by `product|location|version`, once per socket that got it. */
  arrivals: Map<string, number[]>;
  /** Updates of a location the socket did not ask for. */
  unexpected: number;
}

let listening: Listening | null = null;

/** Opens `count` clients on one store, client `i` watching location `locations[(from + i) % n]`. */
export async function chainOpen(
  p: Tasks['chainOpen']['params'],
): Promise<Tasks['chainOpen']['result']> {
  const state: Listening = {
    probes: [],
    watching: new Map(),
    arrivals: new Map(),
    unexpected: 0,
  };
  listening = state;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let failed = 0;
  let next = 0;
  const connectOne = async () => {
    while (next < p.count) {
      const location = p.locations[(p.from + next++) % p.locations.length]!;
      try {
        const probe = await SocketIoProbe.connect(
          p.url,
          (text, at) => {
            const key = updateKeyOf(text);
            if (key === null) return;
            if (locationOf(key) !== location) state.unexpected++;
            const list = state.arrivals.get(key);
            if (list) list.push(wall(at));
            else state.arrivals.set(key, [wall(at)]);
          },
          60_000,
          `locations=${encodeURIComponent(location)}`,
        );
        state.probes.push(probe);
        state.watching.set(location, (state.watching.get(location) ?? 0) + 1);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.parallel, p.count) }, connectOne));
  const used = process.cpuUsage(cpu);
  const snapshots = state.probes.map((probe) => probe.snapshotBytes);
  return {
    connected: state.probes.length,
    failed,
    seconds: (performance.now() - start) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    snapshotBytes: snapshots.reduce((a, b) => a + b, 0),
    maxSnapshotBytes: Math.max(0, ...snapshots),
  };
}

/**
 * The version of one location's row in a product view's JSON, read without parsing the whole of
 * it: at a hundred locations a product, parsing every answer would make the load generator's own
 * CPU a part of what it measures.
 */
function rowVersion(body: Buffer, location: string): number {
  const text = body.toString('latin1');
  const at = text.indexOf(`"${location}":{"on_hand"`, text.indexOf('"locations":{'));
  const version = at < 0 ? null : /"version":(\d+)/.exec(text.slice(at, at + 400));
  if (version) return Number(version[1]);
  const view = JSON.parse(text) as { locations: Record<string, { version: number } | undefined> };
  return view.locations[location]?.version ?? 0;
}

/**
 * Writes at `rate` through the writer stores, each a ±1 change of a random product at a random
 * location of the chain; returns when each accepted one was due, by `product|location|version`.
 */
export async function chainWrite(
  p: Tasks['chainWrite']['params'],
): Promise<Tasks['chainWrite']['result']> {
  const ledger = new AcceptedLedger();
  const pending = new Map<number, Movement>();
  const sent: Record<string, number> = {};
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const writes = await openLoop({
    rate: p.rate,
    durationMs: p.durationMs,
    next: (i) => {
      const m: Movement = {
        product: pick(p.products),
        location: pick(p.locations),
        change: Math.random() < 0.5 ? -1 : 1,
      };
      pending.set(i, m);
      const writer = p.writers[i % p.writers.length]!;
      return { port: writer.port, bytes: updateRequest(m, writer.name, p.key) };
    },
    onResponse: (i, res, dueAt) => {
      const m = pending.get(i)!;
      pending.delete(i);
      if (res.status !== 200) return;
      ledger.add(m);
      sent[`${m.product}|${m.location}|${rowVersion(res.body, m.location)}`] = wall(dueAt);
    },
  });
  return { writes, sent, accepted: ledger.accepted };
}

/**
 * Waits for every accepted write to reach every client of this process that watches its location,
 * for as long as updates still arrive (until `quietMs` pass without one, or `settleMs` in all),
 * so that what is reported missing is what did not come, not what came late; then closes the
 * clients and reports: deliveries, what is missing, what came twice or unasked, and the latency
 * from each write's due time to each delivery.
 */
export async function chainCollect(
  p: Tasks['chainCollect']['params'],
): Promise<Tasks['chainCollect']['result']> {
  const state = listening;
  if (!state) throw new Error('chainCollect before chainOpen');
  const keys = Object.keys(p.sent);
  const expectedOf = (key: string) => state.watching.get(locationOf(key)) ?? 0;
  const expected = keys.reduce((n, key) => n + expectedOf(key), 0);
  const delivered = () =>
    keys.reduce((n, key) => n + Math.min(expectedOf(key), state.arrivals.get(key)?.length ?? 0), 0);
  const deadline = performance.now() + p.settleMs;
  let seen = delivered();
  let lastProgress = performance.now();
  while (seen < expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = delivered();
    if (now > seen) lastProgress = performance.now();
    else if (performance.now() - lastProgress > p.quietMs) break;
    seen = now;
  }
  state.probes.forEach((probe) => probe.close());
  listening = null;
  const histogram: LatencyHistogram = {};
  let duplicates = 0;
  let deliveries = 0;
  let lastArrival = 0;
  for (const key of keys) {
    const at = state.arrivals.get(key) ?? [];
    duplicates += Math.max(0, at.length - expectedOf(key));
    for (const arrived of at) {
      const bin = binOf(Math.max(0, arrived - p.sent[key]!));
      histogram[bin] = (histogram[bin] ?? 0) + 1;
      deliveries++;
      lastArrival = Math.max(lastArrival, arrived);
    }
  }
  return {
    expected,
    deliveries,
    missing: expected - delivered(),
    duplicates,
    unexpected: state.unexpected,
    histogram,
    lastArrival,
  };
}
