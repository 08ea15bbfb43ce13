import { sampleCpu, cpuBetween } from '../lib/cpu.js';
import { forkBareFeed, forkBareServer, forkLoadWorker, residentBytes } from '../lib/processes.js';
import { fmt, ms, p50p99, type Figure } from '../lib/report.js';
import { SocketIoProbe } from '../lib/socketio-probe.js';
import type { LatencyHistogram } from '../load/protocol.js';
import { eachLimited } from './catalogue.js';
import { INITIAL_STOCK, say, sleep, type BenchContext, type PhaseResult } from './context.js';

/** The chain's size: `npm run bench -- --chain` and its overrides (`--sockets 1000`, …). */
export interface ChainSize {
  products: number;
  locations: number;
  sockets: number;
  /** Writes per second, spread over products and locations. */
  rate: number;
  seconds: number;
}

export const CHAIN: ChainSize = {
  products: 1000,
  locations: 100,
  sockets: 10_000,
  rate: 1000,
  seconds: 30,
};

/** Now, as wall-clock milliseconds (the clock the load processes time arrivals with). */
const wallNow = () => performance.timeOrigin + performance.now();

/** Clients per load process: past a few thousand, one process's receiving adds to the latency. */
const SOCKETS_PER_LISTENER = 2500;

const chainLocation = (i: number) => `chain-${String(i + 1).padStart(3, '0')}`;
const chainProduct = (i: number) => `CHAIN-${String(i + 1).padStart(4, '0')}`;

async function post(url: string, key: string, body: unknown, ok: number): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  if (res.status !== ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

/** The latency at quantile `q` of merged histograms. */
function quantile(histograms: LatencyHistogram[], q: number): number {
  const bins = new Map<number, number>();
  for (const h of histograms) {
    for (const [bin, n] of Object.entries(h))
      bins.set(Number(bin), (bins.get(Number(bin)) ?? 0) + n);
  }
  const sorted = [...bins].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  let seen = 0;
  for (const [bin, n] of sorted) {
    seen += n;
    if (seen > q * total) return bin;
  }
  return sorted.at(-1)?.[0] ?? 0;
}

/**
 * A chain's size on one store: `locations` × `products` stock rows, `sockets` Socket.IO clients on
 * main-store each watching one location (a narrowed feed), writes at `rate` through the two other
 * stores spread over every product and location. Reports deliveries per second, write → delivery
 * latency and what is missing, each beside the floor (the same clients on a bare Socket.IO server
 * fanning as many updates out, with no writes), the store's CPU and memory, the snapshot a client
 * gets on connect, and `GET /inventory?limit=100` beside bare `node:http` with the same bytes.
 */
export async function chain(ctx: BenchContext, size: ChainSize): Promise<PhaseResult> {
  const { stores, key, worker, meter, cleanups } = ctx;
  const [main, downtown, mall] = stores;
  const locations = Array.from({ length: size.locations }, (_, i) => chainLocation(i));
  const products = Array.from({ length: size.products }, (_, i) => chainProduct(i));
  say(`chain: ${size.locations} locations, ${size.products} products…`);
  await eachLimited(locations, 8, (id) =>
    post(`${main.url}/locations`, key, { id, name: `Chain ${id}` }, 201),
  );
  const stock = Object.fromEntries(locations.map((l) => [l, INITIAL_STOCK]));
  await eachLimited(products, 8, (id) =>
    post(`${main.url}/products`, key, { product_id: id, name: `Chain ${id}`, stock }, 201),
  );
  for (let i = 0; ; i++) {
    const last = await fetch(`${main.url}/inventory/${products.at(-1)!}`);
    if (last.status === 200) break;
    if (i > 2400) throw new Error('main-store never learnt of the chain products');
    await sleep(25);
  }

  const rssIdle = await residentBytes(main.pid!);
  const listenerCount = Math.max(1, Math.ceil(size.sockets / SOCKETS_PER_LISTENER));
  const listeners = Array.from({ length: listenerCount }, () => forkLoadWorker());
  cleanups.add(() => Promise.all(listeners.map((l) => l.stop())));
  for (const l of listeners) meter.name(l.pid, 'load');
  const perListener = Math.ceil(size.sockets / listenerCount);
  /** Opens every client on `url`, spread over the listeners, each watching one location. */
  const openClients = async (url: string) => {
    const opened = await Promise.all(
      listeners.map((l, i) =>
        l.run('chainOpen', {
          url,
          from: i * perListener,
          count: Math.min(perListener, size.sockets - i * perListener),
          locations,
          parallel: 50,
        }),
      ),
    );
    const connected = opened.reduce((n, o) => n + o.connected, 0);
    return {
      connected,
      failed: opened.reduce((n, o) => n + o.failed, 0),
      snapshotBytes: opened.reduce((n, o) => n + o.snapshotBytes, 0) / Math.max(1, connected),
    };
  };
  /** Waits for what was sent to reach the clients, closes them, and sums what they saw. */
  const collect = async (sent: Record<string, number>) => {
    const collected = await Promise.all(
      listeners.map((l) => l.run('chainCollect', { sent, settleMs: 180_000, quietMs: 5_000 })),
    );
    const sum = (f: (c: (typeof collected)[number]) => number) =>
      collected.reduce((n, c) => n + f(c), 0);
    const histograms = collected.map((c) => c.histogram);
    return {
      expected: sum((c) => c.expected),
      deliveries: sum((c) => c.deliveries),
      missing: sum((c) => c.missing),
      duplicates: sum((c) => c.duplicates),
      unexpected: sum((c) => c.unexpected),
      p50: quantile(histograms, 0.5),
      p99: quantile(histograms, 0.99),
      lastArrival: Math.max(0, ...collected.map((c) => c.lastArrival)),
    };
  };

  // The floor: the same clients on a bare Socket.IO server that only fans the same number of
  // updates out to the same rooms. What it cannot do on this machine, no store can.
  const bareFeed = await forkBareFeed();
  cleanups.add(() => bareFeed.stop());
  meter.name(bareFeed.pid, 'bare');
  await meter.measured(`chain: ${size.sockets} clients connect to bare Socket.IO`, () =>
    openClients(`http://127.0.0.1:${bareFeed.port}`),
  );
  const floorStart = wallNow();
  const floorSent = await meter.measured(
    `chain: bare Socket.IO fans out ${size.rate} updates/s for ${size.seconds} s`,
    () => bareFeed.emit({ products, locations, rate: size.rate, durationMs: size.seconds * 1000 }),
  );
  const floor = await collect(floorSent);
  await bareFeed.stop();
  say(`  bare Socket.IO: p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)}, ${floor.missing} missing`);

  const { connected, failed, snapshotBytes } = await meter.measured(
    `chain: ${size.sockets} narrowed clients connect`,
    () => openClients(main.url),
  );
  // What an unnarrowed client (the default) gets on connect, for comparison.
  const unnarrowed = await SocketIoProbe.connect(main.url);
  const fullSnapshot = unnarrowed.snapshotBytes;
  unnarrowed.close();
  say(`  ${connected} connected (${failed} failed), ${fmt(snapshotBytes)} B of snapshot each`);

  const cpuBefore = sampleCpu(new Map([[main.pid!, 'store']]));
  const t = performance.now();
  const writeStart = wallNow();
  const written = await meter.measured(
    `chain: ${size.rate} writes/s for ${size.seconds} s, ${connected} clients on one store`,
    () =>
      worker.run('chainWrite', {
        key,
        writers: [downtown, mall].map((s) => ({ name: s.name, port: s.port })),
        products,
        locations,
        rate: size.rate,
        durationMs: size.seconds * 1000,
      }),
  );
  const storeCores =
    (cpuBetween(cpuBefore, sampleCpu(new Map([[main.pid!, 'store']]))).store ?? 0) /
    ((performance.now() - t) / 1000);
  const rssLoaded = await residentBytes(main.pid!);
  ctx.accepted.record(written);
  const { expected, deliveries, missing, duplicates, unexpected, p50, p99, lastArrival } =
    await collect(written.sent);
  // Over the whole time the updates took: from the first write to the last arrival.
  const deliveryRate = deliveries / ((lastArrival - writeStart) / 1000);
  const floorRate = floor.deliveries / ((floor.lastArrival - floorStart) / 1000);
  await Promise.all(listeners.map((l) => l.stop()));
  const accepted = Object.keys(written.sent).length;
  const FLOOR = 'bare Socket.IO fanning out as many updates to the same clients, no writes';

  // The catalogue read a client pages with, beside bare node:http answering the same bytes.
  const path = '/inventory?limit=100';
  const body = Buffer.from(await (await fetch(`${main.url}${path}`)).arrayBuffer());
  const bare = await forkBareServer(new Map([[path, body]]));
  cleanups.add(() => bare.stop());
  meter.name(bare.pid, 'bare');
  const common = { path, connections: 64, durationMs: 4000, warmupMs: 500 };
  const [ceiling, one] = await meter.interleaved([
    [
      'chain: GET /inventory?limit=100, bare node:http',
      () => worker.run('reads', { ...common, ports: [bare.port] }),
    ],
    [
      'chain: GET /inventory?limit=100, one store',
      () => worker.run('reads', { ...common, ports: [main.port] }),
    ],
  ]);
  await bare.stop();
  const readRatio = one!.perSecond / ceiling!.perSecond;

  const shape = `${size.products} products × ${size.locations} locations`;
  const figures: Figure[] = [
    {
      section: 'Chain',
      label: `deliveries per second, first write to last arrival (${connected} clients on one store, each watching 1 of ${size.locations} locations; ${fmt(written.writes.perSecond)} writes/s)`,
      value: deliveryRate,
      unit: 'events/s',
      detail: `${deliveries} of ${expected} expected, the last ${fmt((lastArrival - writeStart) / 1000)} s after the first write`,
      baseline: {
        label: FLOOR,
        value: floorRate,
        unit: 'events/s',
        detail: `${floor.deliveries} of ${floor.expected}, the last ${fmt((floor.lastArrival - floorStart) / 1000)} s after the first`,
      },
    },
    {
      section: 'Chain',
      label: 'p50 write sent → update at a narrowed client',
      value: p50,
      unit: 'ms',
      baseline: { label: FLOOR, value: floor.p50, unit: 'ms' },
      detail: `write response p50/p99 ${ms(written.writes.latency.p50)} / ${ms(written.writes.latency.p99)}`,
    },
    {
      section: 'Chain',
      label: 'p99 write sent → update at a narrowed client',
      value: p99,
      unit: 'ms',
      baseline: { label: FLOOR, value: floor.p99, unit: 'ms' },
      target: ctx.target('≤ 50 ms', p99 <= 50, 50),
    },
    {
      section: 'Chain',
      label: 'updates missing',
      value: missing,
      unit: 'events',
      detail: `of ${expected}; ${duplicates} twice, ${unexpected} of a location not asked for`,
      baseline: {
        label: FLOOR,
        value: floor.missing,
        unit: 'events',
        detail: `of ${floor.expected}`,
      },
      target: ctx.target('= 0', missing === 0, 0),
    },
    {
      section: 'Chain',
      label: 'CPU of the store with the clients, under the writes',
      value: storeCores,
      unit: 'cores',
    },
    {
      section: 'Chain',
      label: 'memory of the store with the clients (RSS), under the writes',
      value: (rssLoaded ?? 0) / 2 ** 20,
      unit: 'MiB',
      detail: `${fmt((rssIdle ?? 0) / 2 ** 20)} MiB before the clients connected`,
    },
    {
      section: 'Chain',
      label: `snapshot per connect, one location of ${shape}`,
      value: snapshotBytes,
      unit: 'B',
      baseline: { label: 'every location (unnarrowed)', value: fullSnapshot, unit: 'B' },
      ratio: snapshotBytes / fullSnapshot,
    },
    {
      section: 'Chain',
      label: `GET /inventory?limit=100, one store (${common.connections} connections, ${body.length} B)`,
      value: one!.perSecond,
      unit: 'req/s',
      detail: p50p99(one!),
      baseline: {
        label: 'bare node:http, same bytes',
        value: ceiling!.perSecond,
        unit: 'req/s',
        detail: p50p99(ceiling!),
      },
      ratio: readRatio,
      target: ctx.target('≥ 40 %', readRatio >= 0.4, 0.4 * ceiling!.perSecond),
    },
  ];
  return {
    figures,
    checks: {
      'chain clients that could not connect': failed,
      'chain updates missing': missing,
      'chain updates of a location not asked for': unexpected,
      'chain writes accepted': accepted,
      'chain writes not answered 200':
        written.writes.requests - (written.writes.statuses['200'] ?? 0),
    },
  };
}
