/**
 * `npm run bench:webhooks`: webhook delivery under load. Starts the local stack, the gateway in
 * front of PostgREST and three stores, each as its own process as they run in production (logs in
 * .data/bench-webhooks/logs), three receivers on loopback each with an endpoint for
 * `stock.changed`, then drives stock changes at a steady rate across the stores from this process
 * and reports, after a second of warm-up and once every event has reached every receiver: deliveries, duplicates, delivery lag
 * (ledger row written → receiver got it) p50/p99, deliveries per second, the time to drain, and
 * CPU per delivery and per change of each part: the stores (the three processes together),
 * Postgres, PostgREST, the gateway, and this process (load generator and receivers), with what
 * the rest of the machine took meanwhile.
 *
 *   npm run bench:webhooks                              200 changes/s for 10 s
 *   npm run bench:webhooks -- --rate 1000 --seconds 30  the figure
 *   … -- --batch 32 --per-key 20                        WEBHOOKS_BATCH and WEBHOOKS_PER_KEY
 *   … -- --endpoints 0                                  the writes alone, nothing subscribed
 *   … -- --out bench/results/webhooks.json              also write the figures there
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StoreProcess } from '@stockwire/fault-drill';
import { freePort, PROJECT_ROOT, startLocalStack } from '@stockwire/local-stack';
import { z } from 'zod';
import { ensureStoreLocations } from '../scripts/store-locations.js';
import { cpuBetween, sampleCpu } from './lib/cpu.js';
import { Latencies } from './lib/latency.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '100' },
    'per-key': { type: 'string', default: '20' },
    endpoints: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const args = z
  .object({
    rate: z.coerce.number().int().min(1).max(5000),
    seconds: z.coerce.number().int().min(1).max(600),
    batch: z.coerce.number().int().min(1).max(500),
    'per-key': z.coerce.number().int().min(1).max(1000),
    endpoints: z.coerce.number().int().min(0).max(20),
    out: z.string().optional(),
  })
  .parse(values);

const ENDPOINTS = args.endpoints;
const PRODUCTS = 50;
const STORES = ['bench-a', 'bench-b', 'bench-c'];
const DATA_DIR = join(PROJECT_ROOT, '.data', 'bench-webhooks');
const LOGS = join(DATA_DIR, 'logs');
/**
 * Writes in flight at most: past it the load falls behind its schedule (the achieved rate says
 * so) rather than opening connections without bound.
 */
const MAX_IN_FLIGHT = 512;

interface Receiver {
  url: string;
  seen: Set<string>;
  duplicates: number;
  /**
   * Events that arrived (first time) after a later version of the same product at the same
   * location: the order the outbox keeps, since writes to one stock row are serialised.
   */
  outOfOrder: number;
  lastVersion: Map<string, number>;
  /**
   * Events that arrived after a later ledger row of the same product at another location: writes
   * to different rows commit in no order the ledger's ids promise, so this is not an error.
   */
  acrossLocations: number;
  lastEvent: Map<string, number>;
  server: Server;
}

async function receiver(lags: { current: Latencies }): Promise<Receiver> {
  const r = {
    seen: new Set<string>(),
    duplicates: 0,
    outOfOrder: 0,
    lastVersion: new Map<string, number>(),
    acrossLocations: 0,
    lastEvent: new Map<string, number>(),
  } as Receiver;
  r.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (r.seen.has(id)) r.duplicates++;
      else {
        r.seen.add(id);
        const { data } = JSON.parse(body) as {
          data: {
            timestamp: string;
            product_id: string;
            warehouse: string;
            version: number;
            event_id: number;
          };
        };
        lags.current.add(Date.now() - Date.parse(data.timestamp));
        const row = `${data.product_id}@${data.warehouse}`;
        if (data.version < (r.lastVersion.get(row) ?? 0)) r.outOfOrder++;
        else r.lastVersion.set(row, data.version);
        if (data.event_id < (r.lastEvent.get(data.product_id) ?? 0)) r.acrossLocations++;
        else r.lastEvent.set(data.product_id, data.event_id);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hooks`;
  return r;
}

async function post(url: string, key: string, body: unknown): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * The local stack's gateway as a process of its own (`npm run gateway`), so that what it costs to
 * relay the stores' calls to PostgREST counts apart from the load and the receivers.
 */
async function startGateway(
  postgrestUrl: string,
  jwtSecret: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const log = await open(join(LOGS, 'gateway.log'), 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/gateway.ts')],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        POSTGREST_URL: postgrestUrl,
        JWT_SECRET: jwtSecret,
        SUPABASE_PORT: String(port),
      },
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  await log.close();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (see ${LOGS}/gateway.log)`);
    // Any answer (401 without a key) means it listens.
    const up = await fetch(`${url}/rest/v1/`).then(
      (res) => res.arrayBuffer().then(() => true),
      () => false,
    );
    if (up) return { url, child };
    if (Date.now() > deadline) throw new Error('the gateway did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

await mkdir(LOGS, { recursive: true });
const stack = await startLocalStack({
  dataDir: DATA_DIR,
  database: 'stockwire_bench_webhooks',
  fresh: true,
  ownRedis: true,
});
let gateway: ChildProcess | null = null;
const stores: StoreProcess[] = [];
const receivers: Receiver[] = [];
try {
  const adminKey = `bench-admin-${'x'.repeat(24)}`;
  await ensureStoreLocations(stack.supabaseUrl, stack.serviceRoleKey, STORES);
  const started = await startGateway(stack.postgrestUrl, stack.jwtSecret);
  gateway = started.child;
  for (const name of STORES)
    stores.push(
      new StoreProcess({
        name,
        port: await freePort(),
        env: {
          SUPABASE_URL: started.url,
          SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
          REDIS_URL: stack.redisUrl,
          API_KEYS: `bench:admin:${adminKey}`,
          RATE_LIMIT_PER_KEY: '0',
          RATE_LIMIT_PER_IP: '0',
          ORDER_STREAMS: 'false',
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'warn',
          WEBHOOKS_ALLOW_PRIVATE: 'true',
          WEBHOOKS_POLL_MS: '100',
          WEBHOOKS_BATCH: String(args.batch),
          WEBHOOKS_PER_KEY: String(args['per-key']),
        },
        logFile: join(LOGS, `${name}.log`),
      }),
    );
  await Promise.all(stores.map((s) => s.start()));
  const [first] = stores;
  const products: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const id = `WHBENCH${i}`;
    products.push(id);
    const stock = Object.fromEntries(STORES.map((s) => [s, 1_000_000]));
    await post(`${first!.url}/products`, adminKey, { product_id: id, name: id, stock });
  }
  const lags = { current: new Latencies() };
  for (let i = 0; i < ENDPOINTS; i++) {
    const r = await receiver(lags);
    receivers.push(r);
    const status = await post(`${first!.url}/webhooks`, adminKey, {
      url: r.url,
      events: ['stock.changed'],
    });
    if (status !== 201) throw new Error(`POST /webhooks answered ${status}`);
  }
  const delivered = () => receivers.reduce((n, r) => n + r.seen.size, 0);
  const duplicates = () => receivers.reduce((n, r) => n + r.duplicates, 0);
  const named = new Map<number, string>(stores.map((s) => [s.pid!, 'stores']));
  named.set(gateway.pid!, 'gateway');

  /** Sends `total` changes at the asked rate; resolves with how many were refused. */
  const drive = async (total: number): Promise<number> => {
    const startedAt = Date.now();
    let sent = 0;
    let refused = 0;
    const inFlight = new Set<Promise<void>>();
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - startedAt) / 1000) * args.rate));
      for (; sent < due && inFlight.size < MAX_IN_FLIGHT; sent++) {
        const store = stores[sent % stores.length]!;
        const product = products[sent % PRODUCTS]!;
        const p = post(`${store.url}/inventory/${product}/update`, adminKey, {
          change: -1,
          update_type: 'sale',
          warehouse: store.name,
        })
          // A write that got no answer counts as refused: it is not expected at the receivers.
          .catch(() => 0)
          .then((status) => {
            if (status !== 200) refused++;
            inFlight.delete(p);
          });
        inFlight.add(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(inFlight);
    return refused;
  };
  const drain = async (expected: number) => {
    const from = Date.now();
    while (delivered() < expected && Date.now() - from < 300_000)
      await new Promise((r) => setTimeout(r, 50));
  };

  // A second of the load first, delivered in full, so that the figures are of warm processes
  // (JIT-compiled code, connections open) rather than of their first second.
  const warmup = args.rate;
  await drain((warmup - (await drive(warmup))) * ENDPOINTS);
  const warm = { delivered: delivered(), duplicates: duplicates() };
  lags.current = new Latencies();

  const cpuBefore = sampleCpu(named);
  const loadBefore = loadavg();
  const startedAt = Date.now();
  const total = args.rate * args.seconds;
  const refused = await drive(total);
  const loadDone = Date.now();
  const expected = (total - refused) * ENDPOINTS;
  await drain(warm.delivered + expected);
  const drained = Date.now();
  const measured = () => delivered() - warm.delivered;
  const cpu = cpuBetween(cpuBefore, sampleCpu(named));
  const per = (n: number) => (seconds: number | undefined) =>
    Number((((seconds ?? 0) * 1000) / Math.max(1, n)).toFixed(3));
  const perDelivery = per(measured());
  const perChange = per(total - refused);
  const parts = (of: (seconds: number | undefined) => number) => ({
    stores: of(cpu.stores),
    postgres: of(cpu.postgres),
    postgrest: of(cpu.postgrest),
    gateway: of(cpu.gateway),
    bench_load_and_receivers: of(cpu.self),
  });
  const s = lags.current.summary();
  const result = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      load_average_before: loadBefore.map((l) => Number(l.toFixed(2))),
    },
    settings: {
      rate: args.rate,
      seconds: args.seconds,
      batch: args.batch,
      per_key: args['per-key'],
      warmup_changes: warmup,
      processes: 'a process per store, the gateway, this one for load and receivers',
    },
    changes: total - refused,
    refused,
    endpoints: ENDPOINTS,
    expected_deliveries: expected,
    delivered: measured(),
    duplicates: duplicates() - warm.duplicates,
    out_of_order: receivers.reduce((n, r) => n + r.outOfOrder, 0),
    reordered_across_locations: receivers.reduce((n, r) => n + r.acrossLocations, 0),
    achieved_rate_per_s: Math.round((total / (loadDone - startedAt)) * 1000),
    drain_after_load_ms: drained - loadDone,
    deliveries_per_s: Math.round((measured() / (drained - startedAt)) * 1000),
    lag_ms: {
      p50: Math.round(s.p50),
      p90: Math.round(s.p90),
      p99: Math.round(s.p99),
      max: Math.round(s.max),
    },
    cpu_ms_per_delivery: parts(perDelivery),
    cpu_ms_per_change: parts(perChange),
    cpu_seconds: Object.fromEntries(
      Object.entries(cpu).map(([group, seconds]) => [group, Number(seconds.toFixed(1))]),
    ),
  };
  console.log(JSON.stringify(result, null, 2));
  if (args.out) await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await Promise.all(stores.map((s) => s.stop()));
  gateway?.kill('SIGTERM');
  for (const r of receivers) r.server.close();
  await stack.stop();
}
