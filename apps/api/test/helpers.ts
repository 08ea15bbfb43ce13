import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ClientToServerEvents,
  ProductInventory,
  ReservationExpiredNotice,
  ServerToClientEvents,
  SocketAuth,
  StockUpdate,
  WsMessage,
} from '@stockwire/domain';
import { ensureDatabase, ensureSupabaseRoles, withDatabase } from '@stockwire/local-stack';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { inject, expect } from 'vitest';
import WebSocket from 'ws';
import { startStore, type StoreInstance } from '../src/app.js';
import type { StoreConfig } from '../src/env.js';

export const stack = () => inject('stack');

/** Credentials every test store accepts. */
export const KEYS = {
  admin: `test-admin-${randomUUID()}`,
  staff: `test-staff-${randomUUID()}`,
};
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const NO_CREDENTIAL = { authorization: '' };

/** Settings a test changes, group by group. */
export type ConfigOverrides = { [G in keyof StoreConfig]?: Partial<StoreConfig[G]> };

/** A store's configuration against the suite's stack, as the tests run stores. */
export function testConfig(storeName: string, overrides: ConfigOverrides = {}): StoreConfig {
  const { supabaseUrl, serviceRoleKey, redisUrl, jwtSecret } = stack();
  const base: StoreConfig = {
    store: { name: storeName, instanceId: `${storeName}-${randomUUID().slice(0, 8)}` },
    http: { port: 0, host: '127.0.0.1', corsOrigins: [], shutdownTimeoutMs: 10_000 },
    database: { supabaseUrl, serviceRoleKey, groupCommitMax: 128 },
    redis: { url: redisUrl },
    sync: { gapGraceMs: 100, digestIntervalMs: 30_000 },
    checkout: { reservationTtlSeconds: 600, reservationSweepMs: 200, idempotencyTtlSeconds: 3600 },
    streams: { enabled: false, claimIdleMs: 30_000 },
    access: {
      apiKeys: [
        { id: 'test-admin', role: 'admin', secret: KEYS.admin },
        { id: 'test-staff', role: 'staff', secret: KEYS.staff },
      ],
      readsPublic: true,
      jwtSecret,
      rateLimits: { windowMs: 60_000, perCredential: 0, perIp: 0 },
      dashboardApiKey: undefined,
    },
    log: { level: 'info', format: 'json' },
  };
  const merged = Object.entries(base).map(([group, values]) => [
    group,
    { ...values, ...overrides[group as keyof StoreConfig] },
  ]);
  return Object.fromEntries(merged) as StoreConfig;
}

/** Starts store instances in this process, against the suite's stack. */
export async function startStores(
  names: string[],
  overrides: ConfigOverrides = {},
): Promise<StoreInstance[]> {
  return Promise.all(names.map((name) => startStore(testConfig(name, overrides), () => {})));
}

/**
 * The store's routes and pages on its Express adapter, served on a port of their own: the same
 * pipeline as the store's node:http server, for tests that compare the two.
 */
export async function serveOnExpress(
  store: StoreInstance,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(store.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A product id no other test uses. */
export const uniqueId = () => `T${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;

export async function api<T = unknown>(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  // Writes go as admin unless the test says otherwise.
  const credential = method === 'GET' || 'authorization' in headers ? {} : bearer(KEYS.admin);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...credential,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== '')),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Creates a product through the API and waits until every given store knows it. */
export async function createProduct(
  stores: StoreInstance[],
  stock: Record<string, number>,
): Promise<string> {
  const id = uniqueId();
  const res = await api(stores[0]!.url, 'POST', '/products', {
    product_id: id,
    name: `Test ${id}`,
    stock,
  });
  expect(res.status).toBe(201);
  for (const s of stores)
    await eventually(async () => (await api(s.url, 'GET', `/inventory/${id}`)).status === 200);
  return id;
}

/** How many requests a store's metrics count for a method, route and status. */
export async function requestsCounted(
  storeUrl: string,
  method: string,
  route: string,
  status: number,
): Promise<number> {
  const res = await fetch(`${storeUrl}/metrics`, { headers: bearer(KEYS.admin) });
  const labels = [`method="${method}"`, `route="${route}"`, `status="${status}"`];
  const line = (await res.text())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('stockwire_http_request_duration_seconds_count{') &&
        labels.every((label) => l.includes(label)),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** Polls until `check` holds (or fails the test after `timeoutMs`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function withDb<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: stack().databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database of a test's own on the suite's Postgres. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on the suite's Postgres, with the grants and default privileges of a
 * Supabase database (the roles are the cluster's, made by the stack).
 */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const admin = stack().databaseUrl;
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(admin, name, true);
  const url = withDatabase(admin, name);
  await ensureSupabaseRoles(url);
  return {
    url,
    drop: () =>
      withDb((db) => db.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

export interface StockRow {
  on_hand: number;
  reserved: number;
  version: number;
}

export async function stockRow(productId: string, location: string): Promise<StockRow | undefined> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ on_hand: number; reserved: number; version: string }>(
      'select on_hand, reserved, version from stock_levels where product_id = $1 and location = $2',
      [productId, location],
    );
    const row = rows[0];
    return row && { on_hand: row.on_hand, reserved: row.reserved, version: Number(row.version) };
  });
}

export interface LedgerRow {
  id: number;
  location: string;
  update_type: string;
  change: number;
  previous_quantity: number;
  new_quantity: number;
  version: number;
  store: string;
  request_id: string | null;
  actor: string | null;
}

export async function ledger(productId: string): Promise<LedgerRow[]> {
  return withDb(async (db) => {
    const { rows } = await db.query<Record<string, unknown>>(
      `select id, location, update_type, change, previous_quantity, new_quantity, version, store, request_id, actor
         from inventory_events where product_id = $1 order by id`,
      [productId],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), version: Number(r.version) }) as LedgerRow);
  });
}

/** A Socket.IO client that records what it receives. */
export async function socketClient(url: string, auth: SocketAuth = {}) {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
  });
  const updates: StockUpdate[] = [];
  const snapshots: ProductInventory[][] = [];
  const expired: ReservationExpiredNotice[] = [];
  socket.on('update', (u) => updates.push(u));
  socket.on('snapshot', (s) => snapshots.push(s));
  socket.on('reservation_expired', (n) => expired.push(n));
  await eventually(() => snapshots.length > 0);
  return { socket, updates, snapshots, expired, close: () => socket.close() };
}

/** A plain WebSocket client on `/ws` that records what it receives. */
export async function wsClient(url: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  const messages: WsMessage[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as WsMessage));
  await eventually(() => messages.length > 0);
  const updates = () => messages.flatMap((m) => (m.type === 'update' ? [m.data] : []));
  return { ws, messages, updates, close: () => ws.close() };
}
