import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProductInventory, StockUpdate } from '@stockwire/domain';
import { freePort, isListening, PROJECT_ROOT, waitFor } from '@stockwire/local-stack';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, loopbackAddress, restockFrom } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

/** Debian's HAProxy (in /usr/sbin), run by this test with the project's own configuration. */
const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
const CONFIG = join(PROJECT_ROOT, 'deploy', 'haproxy.cfg');

// Three stores, each allowing three writes a minute per client address (counted in Redis, so
// shared by all three), behind the load balancer.
const stores = useStores(['main-store', 'downtown-store', 'mall-store'], {
  access: { rateLimits: { windowMs: 60_000, perCredential: 0, perIp: 3 } },
});
// The test's own writes (products, a sale) go through a store of its own, which counts no budget.
const office = useStores(['office-store']);
let lb: ChildProcess;
let lbUrl: string;

beforeAll(async () => {
  if (spawnSync(HAPROXY, ['-v']).error) {
    throw new Error(
      'haproxy is missing; install it with: apt-get update && apt-get install -y haproxy',
    );
  }
  const port = await freePort();
  lbUrl = `http://127.0.0.1:${port}`;
  const hostPort = (url: string) => new URL(url).host;
  const [a, b, c] = stores();
  lb = spawn(HAPROXY, ['-db', '-f', CONFIG], {
    env: {
      ...process.env,
      LB_BIND: `127.0.0.1:${port}`,
      STORE_1: hostPort(a.url),
      STORE_2: hostPort(b.url),
      STORE_3: hostPort(c.url),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(() => isListening('127.0.0.1', port), 'haproxy did not start', 10_000);
  // Every store is in once its health check has passed (rise 2 × 500 ms).
  await new Promise((r) => setTimeout(r, 1500));
});
afterAll(() => {
  lb?.kill('SIGTERM');
});

interface Client {
  socket: Socket;
  snapshots: ProductInventory[][];
  updates: StockUpdate[];
  disconnects: number;
}

/** A Socket.IO client through the load balancer with default transports (polling, then upgrade). */
function client(): Client {
  const socket = io(lbUrl, {
    forceNew: true,
    withCredentials: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
  });
  const c: Client = { socket, snapshots: [], updates: [], disconnects: 0 };
  socket.on('snapshot', (s: ProductInventory[]) => c.snapshots.push(s));
  socket.on('update', (u: StockUpdate) => c.updates.push(u));
  // As the dashboard does: a store that closes the session is left for another one.
  socket.on('disconnect', (reason) => {
    c.disconnects++;
    if (reason === 'io server disconnect') socket.connect();
  });
  return c;
}

const socketClients = async (url: string) =>
  (await api<{ clients: { socketio: number } }>(url, 'GET', '/health')).body.clients.socketio;

describe('stores behind HAProxy (deploy/haproxy.cfg)', () => {
  let clients: Client[] = [];
  afterAll(() => clients.forEach((c) => c.socket.close()));

  it('connects 20 Socket.IO clients, upgrades them all, spreads them over the stores and keeps each live', async () => {
    clients = Array.from({ length: 20 }, client);
    await waitFor(
      () =>
        Promise.resolve(
          clients.every(
            (c) => c.socket.connected && c.socket.io.engine.transport.name === 'websocket',
          ),
        ),
      'not every client connected and upgraded',
      10_000,
    );
    const perStore = await Promise.all(stores().map((s) => socketClients(s.url)));
    expect(perStore.reduce((n, x) => n + x, 0)).toBe(20);
    expect(perStore.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

    const id = await createProduct([...office(), ...stores()], { 'main-store': 9 });
    const sale = await api(office()[0].url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'main-store',
      change: -2,
      update_type: 'sale',
    });
    expect(sale.status).toBe(200);
    await waitFor(
      () =>
        Promise.resolve(
          clients.every((c) => c.updates.some((u) => u.product_id === id && u.quantity === 7)),
        ),
      'a client missed the sale',
      5_000,
    );
  });

  it('moves the clients of a store that stops to the others within 3 s, with a fresh snapshot', async () => {
    const counts = await Promise.all(stores().map((s) => socketClients(s.url)));
    const busiest = counts.indexOf(Math.max(...counts));
    const before = clients.map((c) => ({ snapshots: c.snapshots.length, drops: c.disconnects }));
    const stoppedAt = Date.now();
    await stores()[busiest]!.close();
    const dropped = () => clients.filter((c, i) => c.disconnects > before[i]!.drops);
    await waitFor(
      () => Promise.resolve(dropped().length === counts[busiest]),
      'the stopped store’s clients were not let go',
      3_000,
    );
    await waitFor(
      () =>
        Promise.resolve(
          dropped().every((c) => c.socket.connected) && clients.every((c) => c.socket.connected),
        ),
      'not every client came back',
      3_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    // Exactly the clients of the stopped store moved, each with a fresh snapshot from its new store.
    const fresh = clients.filter((c, i) => c.snapshots.length > before[i]!.snapshots);
    expect(fresh).toEqual(dropped());
    const others = stores().filter((_, i) => i !== busiest);
    const after = await Promise.all(others.map((s) => socketClients(s.url)));
    expect(after.reduce((n, x) => n + x, 0)).toBe(20);
  });

  it('counts write budgets per client address from X-Forwarded-For (TRUST_PROXY)', async () => {
    const running = stores().filter((s) => s.http.listening);
    const id = await createProduct([...office(), ...running], { 'main-store': 1 });
    const [one, another] = [loopbackAddress(), loopbackAddress()];
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await restockFrom(lbUrl, one, id));
    expect(first).toEqual([200, 200, 200, 429]);
    // Another client behind the same load balancer has a budget of its own.
    expect(await restockFrom(lbUrl, another, id)).toBe(200);
  });
});
