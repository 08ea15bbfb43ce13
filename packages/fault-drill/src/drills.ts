import { AUTHORIZATION } from './credentials.js';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pictureDifferences, SocketWatcher, WsWatcher } from './clients.js';
import type { Cluster } from './cluster.js';
import { BusTap, changeSilently, forgedChange, forgedProduct, rowVersion } from './messages.js';
import type { Exit, StoreProcess } from './store-process.js';
import { withClient } from '@stockwire/local-stack';
import { databaseInventory, divergence, waitForConvergence } from './convergence.js';
import {
  auditWrites,
  createProduct,
  startWrites,
  write,
  type WriteAudit,
  type WriteRecord,
} from './writes.js';

/** The parts of a store's `GET /health` the drills look at. */
export interface StoreHealth {
  status: string;
  redis: string;
  database: string;
  stale: boolean;
  resyncs: number;
  sync: { refetches: number; repairs: number; waiting: number };
  pubsub: { received: number; invalid: number; last_lag_ms: number | null };
  digest: { checks: number; audits: number; last_result: string | null };
  outbox: { queued: number; failed_publishes: number; republished: number };
  requests_in_flight: number;
}

export async function health(store: { url: string }): Promise<StoreHealth> {
  const res = await fetch(`${store.url}/health`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as StoreHealth;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Stores of the cluster that are not running although nobody stopped them. */
const crashed = (cluster: Cluster) => cluster.stores.filter((s) => !s.running).map((s) => s.name);

export interface RedisOutageReport {
  outageMs: number;
  writes: WriteAudit;
  /** What each store said while Redis was away. */
  during: Array<{
    store: string;
    readStatus: number;
    /** The `X-Stockwire-Stale` header of a read from the cache. */
    staleHeader: string | null;
    health: Pick<StoreHealth, 'status' | 'redis' | 'stale'>;
  }>;
  /** From Redis's return until every cache equals the database. */
  convergedMs: number;
  after: Array<{ store: string; resyncs: number; stale: boolean; outbox: StoreHealth['outbox'] }>;
  /** A change made after the recovery reached every store. */
  liveAfterwards: boolean;
  crashed: string[];
}

/**
 * Redis goes away for `outageMs` while every store keeps selling and restocking, then comes back.
 * Writes must all succeed, reads must be served and marked stale, and afterwards every cache must
 * equal the database.
 */
export async function redisOutage(cluster: Cluster, outageMs = 3000): Promise<RedisOutageReport> {
  const { stores, databaseUrl } = cluster;
  const products = [await createProduct(stores), await createProduct(stores)];
  await waitForConvergence(stores, databaseUrl);
  const stream = startWrites(stores, products);
  await sleep(500);

  const during: RedisOutageReport['during'] = [];
  let records: WriteRecord[];
  await cluster.redis.stop({ kill: true });
  try {
    const wentAway = Date.now();
    await until(
      async () => (await Promise.all(stores.map(health))).every((h) => h.redis === 'down'),
      'every store to notice Redis is down',
    );
    for (const store of stores) {
      const res = await fetch(`${store.url}/inventory/${products[0]}`);
      await res.body?.cancel();
      const h = await health(store);
      during.push({
        store: store.name,
        readStatus: res.status,
        staleHeader: res.headers.get('x-stockwire-stale'),
        health: { status: h.status, redis: h.redis, stale: h.stale },
      });
    }
    await sleep(Math.max(0, outageMs - (Date.now() - wentAway)));
  } finally {
    records = await stream.stop();
    await cluster.redis.start();
  }
  const convergedMs = await waitForConvergence(stores, databaseUrl);
  // A store may have caught up through its digest check before its own resync ran.
  await until(
    async () =>
      (await Promise.all(stores.map(health))).every((h) => h.outbox.queued === 0 && !h.stale),
    'every store to resync and empty its outbox',
  );
  const after = await Promise.all(
    stores.map(async (s) => {
      const h = await health(s);
      return { store: s.name, resyncs: h.resyncs, stale: h.stale, outbox: h.outbox };
    }),
  );
  const last = await write(stores[0]!, products[0]!, 1);
  const liveAfterwards =
    last.status === 200 && (await waitForConvergence(stores, databaseUrl).then(() => true));
  return {
    outageMs,
    writes: await auditWrites(databaseUrl, [...records, last]),
    during,
    convergedMs,
    after,
    liveAfterwards,
    crashed: crashed(cluster),
  };
}

export interface MessageChaosReport {
  /** Old versions and duplicates republished: no cache changed, no repair was needed. */
  duplicates: { republished: number; divergedAfter: number; repairsNeeded: number };
  /** Versions committed but never published, then a change that reveals the gap. */
  revealedLossConvergedMs: number;
  /** A version committed but never published, and nothing after it: only the digest can tell. */
  silentLossConvergedMs: number;
  /** A forged next version, a forged far-ahead version, a phantom product, garbage. */
  forgeryConvergedMs: number;
  /** Per store, what the repairs took. */
  health: Array<{
    store: string;
    refetches: number;
    repairs: number;
    audits: number;
    invalid: number;
  }>;
  crashed: string[];
}

/**
 * Loses, duplicates and forges messages on `inventory_updates` directly, and checks that every
 * cache converges to the database regardless.
 */
export async function messageChaos(cluster: Cluster): Promise<MessageChaosReport> {
  const { stores, databaseUrl } = cluster;
  const [main, downtown] = [stores[0]!, stores[1]!];
  const tap = await BusTap.open(cluster.redis.url);
  try {
    const id = await createProduct(stores);
    for (const change of [-1, -1, 1] as const) await write(main, id, change);
    await waitForConvergence(stores, databaseUrl);

    // Duplicates and old versions, in the worst order.
    const before = await Promise.all(stores.map(health));
    const heard = tap.changesOf(id);
    let republished = 0;
    for (let round = 0; round < 3; round++) {
      for (const message of [...heard].reverse()) {
        await tap.publish(message);
        republished++;
      }
    }
    await sleep(300);
    const divergedAfter = (await divergence(stores, databaseUrl)).length;
    const afterDuplicates = await Promise.all(stores.map(health));
    const repairsNeeded = afterDuplicates.reduce(
      (n, h, i) => n + h.sync.repairs - before[i]!.sync.repairs,
      0,
    );

    // Lost versions, then a published one that skips them.
    await changeSilently(databaseUrl, id, main.name, -1);
    await changeSilently(databaseUrl, id, main.name, -1);
    let started = Date.now();
    await write(main, id, 1);
    await waitForConvergence(stores, databaseUrl);
    const revealedLossConvergedMs = Date.now() - started;

    // A lost version that nothing reveals.
    started = Date.now();
    await changeSilently(databaseUrl, id, downtown.name, -1);
    await waitForConvergence(stores, databaseUrl);
    const silentLossConvergedMs = Date.now() - started;

    // Forgeries.
    started = Date.now();
    const version = await rowVersion(databaseUrl, id, main.name);
    await tap.publish(forgedChange(id, main.name, version + 1, 999_999));
    await tap.publish(forgedChange(id, downtown.name, version + 40, 0));
    await tap.publish(forgedProduct(`PHANTOM${randomUUID().slice(0, 6).toUpperCase()}`, main.name));
    await tap.publish('not json at all');
    await tap.publish(JSON.stringify({ type: 'stock_changed', product_id: id, version: -3 }));
    await waitForConvergence(stores, databaseUrl);
    const forgeryConvergedMs = Date.now() - started;

    const now = await Promise.all(stores.map(health));
    return {
      duplicates: { republished, divergedAfter, repairsNeeded },
      revealedLossConvergedMs,
      silentLossConvergedMs,
      forgeryConvergedMs,
      health: now.map((h, i) => ({
        store: stores[i]!.name,
        refetches: h.sync.refetches,
        repairs: h.sync.repairs,
        audits: h.digest.audits,
        invalid: h.pubsub.invalid,
      })),
      crashed: crashed(cluster),
    };
  } finally {
    tap.close();
  }
}

export interface CrashReport {
  victim: string;
  victimExit: Exit;
  writes: WriteAudit;
  /** From spawning the store again until `GET /ready` said 200. */
  readyMs: number;
  /** From ready until every cache equals the database (writes stopped). */
  convergedMs: number;
  /** What the clients of the other stores saw. */
  survivors: Array<{
    store: string;
    disconnects: string[];
    snapshots: number;
    updates: number;
    /** Rows where the client's picture ended up different from the database: must be none. */
    differences: string[];
  }>;
  crashed: string[];
}

/**
 * Kills one store with SIGKILL while every store is writing, starts it again, and checks that it
 * catches up and that the other stores' live clients carried on undisturbed.
 */
export async function crashAndRestart(
  cluster: Cluster,
  victim: StoreProcess = cluster.stores.at(-1)!,
): Promise<CrashReport> {
  const { stores, databaseUrl } = cluster;
  const products = [await createProduct(stores), await createProduct(stores)];
  await waitForConvergence(stores, databaseUrl);
  const others = stores.filter((s) => s !== victim);
  const watchers = await Promise.all(others.map((s) => SocketWatcher.connect(s.url)));
  try {
    const stream = startWrites(stores, products);
    await sleep(700);
    victim.signal('SIGKILL');
    const victimExit = await victim.waitForExit();
    await sleep(1000);
    const spawned = Date.now();
    await victim.start();
    const readyMs = Date.now() - spawned;
    await sleep(700);
    const records = await stream.stop();
    const ready = Date.now();
    await waitForConvergence(stores, databaseUrl);
    const convergedMs = Date.now() - ready;

    const truth = await databaseInventory(databaseUrl);
    // Clients hear of the last changes a moment after the caches have them.
    await until(
      () =>
        Promise.resolve(
          watchers.every((w) => pictureDifferences(w.picture, truth, products).length === 0),
        ),
      'the survivors’ clients to show the database',
      10_000,
    ).catch(() => {});
    return {
      victim: victim.name,
      victimExit,
      writes: await auditWrites(databaseUrl, records),
      readyMs,
      convergedMs,
      survivors: watchers.map((w, i) => ({
        store: others[i]!.name,
        disconnects: [...w.disconnects],
        snapshots: w.snapshots,
        updates: w.updates.filter((u) => products.includes(u.product_id)).length,
        differences: pictureDifferences(w.picture, truth, products),
      })),
      crashed: crashed(cluster),
    };
  } finally {
    watchers.forEach((w) => w.close());
    if (!victim.running) await victim.start();
  }
}

export interface DatabaseOutageReport {
  /** What each store answered while the database gateway was down. */
  during: Array<{
    store: string;
    write: { status: number; code?: string; message?: string; retryAfter: string | null };
    create: { status: number; code?: string };
    read: { status: number; unchanged: boolean };
    health: Pick<StoreHealth, 'status' | 'database'>;
  }>;
  /** Ledger rows and stock rows written while it was down: must be none. */
  writtenDuringOutage: number;
  /** From the gateway's return until every store accepted a write again. */
  recoveredMs: number;
  convergedMs: number;
  crashed: string[];
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Takes the database API away (the gateway in front of PostgREST stops), then brings it back:
 * writes must be refused with 503 and leave nothing behind, reads must go on, and stores must
 * accept writes again once it is back.
 */
export async function databaseOutage(cluster: Cluster): Promise<DatabaseOutageReport> {
  const { stores, databaseUrl } = cluster;
  const id = await createProduct(stores);
  await waitForConvergence(stores, databaseUrl);
  const fingerprint = () =>
    withClient(databaseUrl, async (db) => {
      const { rows } = await db.query<{ events: string; rows: string }>(
        `select (select count(*) from public.inventory_events where product_id = $1) as events,
                (select string_agg(location || ':' || on_hand || '@' || version, ',' order by location)
                   from public.stock_levels where product_id = $1) as rows`,
        [id],
      );
      return JSON.stringify(rows[0]);
    });
  const views = await Promise.all(
    stores.map((s) => fetch(`${s.url}/inventory/${id}`).then((r) => r.text())),
  );
  const beforeOutage = await fingerprint();

  const during: DatabaseOutageReport['during'] = [];
  let writtenDuringOutage: number;
  await cluster.gateway.stop();
  try {
    for (const [i, store] of stores.entries()) {
      const writeRes = await fetch(`${store.url}/inventory/${id}/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTHORIZATION },
        body: JSON.stringify({ change: -1, update_type: 'sale' }),
      });
      const writeBody = (await writeRes.json()) as ErrorBody;
      const createRes = await fetch(`${store.url}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTHORIZATION },
        body: JSON.stringify({ name: 'Made during the outage', stock: { [store.name]: 1 } }),
      });
      const createBody = (await createRes.json()) as ErrorBody;
      const readRes = await fetch(`${store.url}/inventory/${id}`);
      const read = await readRes.text();
      const h = await health(store);
      during.push({
        store: store.name,
        write: {
          status: writeRes.status,
          code: writeBody.error?.code,
          message: writeBody.error?.message,
          retryAfter: writeRes.headers.get('retry-after'),
        },
        create: { status: createRes.status, code: createBody.error?.code },
        read: { status: readRes.status, unchanged: read === views[i] },
        health: { status: h.status, database: h.database },
      });
    }
    writtenDuringOutage = (await fingerprint()) === beforeOutage ? 0 : 1;
  } finally {
    await cluster.gateway.start();
  }
  const back = Date.now();
  for (const store of stores) {
    await until(async () => (await write(store, id, 1)).status === 200, `${store.name} to write`);
  }
  const recoveredMs = Date.now() - back;
  const convergedMs = await waitForConvergence(stores, databaseUrl);
  return { during, writtenDuringOutage, recoveredMs, convergedMs, crashed: crashed(cluster) };
}

export interface ShutdownReport {
  victim: string;
  /** A write whose body was still arriving when SIGTERM came. */
  inFlight: { status: number | null; committed: boolean };
  /** Whether a new connection was refused once the store was stopping. */
  refusedNewConnections: boolean;
  socket: { shutdownNotices: number; disconnect: string | undefined };
  ws: { shutdownNotice: boolean; closeCode: number | null };
  /** A client reconnecting to another store got a snapshot showing the write made in flight. */
  reconnectedElsewhere: boolean;
  exit: Exit;
  /** From SIGTERM to the process's exit. */
  exitMs: number;
  /** The store started again and every cache equals the database. */
  backAndConverged: boolean;
}

/**
 * Sends SIGTERM to a store with a request in flight and live clients: the request must complete,
 * clients must be told and let go, new connections refused, and the process must exit 0.
 */
export async function gracefulShutdown(
  cluster: Cluster,
  victim: StoreProcess = cluster.stores.at(-1)!,
): Promise<ShutdownReport> {
  const { stores, databaseUrl } = cluster;
  const id = await createProduct(stores);
  const socket = await SocketWatcher.connect(victim.url);
  const ws = await WsWatcher.connect(victim.url);

  // A write whose body is half sent: in flight when the signal comes.
  const requestId = `drill-${randomUUID()}`;
  const body = JSON.stringify({ change: -1, update_type: 'sale' });
  let status: number | null = null;
  const req = request(`${victim.url}/inventory/${id}/update`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-request-id': requestId,
      ...AUTHORIZATION,
    },
  });
  const answered = new Promise<void>((resolve) => {
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => resolve());
  });
  req.write(body.slice(0, 5));
  await until(
    async () => (await health(victim)).requests_in_flight >= 2,
    'the store to be handling the write',
  );

  const signalled = Date.now();
  let refusedNewConnections: boolean;
  let exit: Exit | undefined;
  victim.signal('SIGTERM');
  try {
    await until(
      () => Promise.resolve(socket.disconnects.length > 0),
      'the socket client to be let go',
    );
    refusedNewConnections = await fetch(`${victim.url}/ready`, {
      signal: AbortSignal.timeout(2000),
    }).then(
      () => false,
      () => true,
    );
    req.end(body.slice(5));
    await answered;
    exit = await victim.waitForExit();
  } finally {
    req.destroy();
    socket.close();
    ws.close();
    // A failed drill still leaves the store running for the next one.
    if (!exit) {
      await victim.stop();
      await victim.start();
    }
  }
  const exitMs = Date.now() - signalled;
  const elsewhere = await SocketWatcher.connect(stores.find((st) => st !== victim)!.url);
  elsewhere.close();
  const committed = await withClient(databaseUrl, async (db) => {
    const { rows } = await db.query('select 1 from public.inventory_events where request_id = $1', [
      requestId,
    ]);
    return rows.length === 1;
  });
  const truth = await databaseInventory(databaseUrl);
  const reconnectedElsewhere =
    elsewhere.snapshots === 1 && pictureDifferences(elsewhere.picture, truth, [id]).length === 0;
  await victim.start();
  const backAndConverged = await waitForConvergence(stores, databaseUrl).then(() => true);
  return {
    victim: victim.name,
    inFlight: { status, committed },
    refusedNewConnections,
    socket: { shutdownNotices: socket.shutdowns.length, disconnect: socket.disconnects[0] },
    ws: {
      shutdownNotice: ws.messages.some((m) => m.type === 'shutdown'),
      closeCode: ws.closeCode,
    },
    reconnectedElsewhere,
    exit,
    exitMs,
    backAndConverged,
  };
}
