import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoreConfig } from '../env.js';
import type { RequestDrain } from '../http/request.drain.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { Logger } from '../telemetry/logger.js';
import type { Adapters } from './adapters.assembly.js';
import type { Background } from './background.assembly.js';
import { StartRefused, type ReadinessGate } from './readiness.gate.js';
import type { Realtime } from './realtime.assembly.js';

export interface Parts {
  config: StoreConfig;
  adapters: Adapters;
  sync: InventorySync;
  realtime: Realtime;
  background: Background;
  server: Server;
  drain: RequestDrain;
  gate: ReadinessGate;
  log: Logger;
}

/**
 * Opens the port, whatever else is up: from here on `/health` and `/ready` answer, and every other
 * request is refused with `not_ready` until {@link serve} is done. Resolves with the store's URL;
 * if the port cannot be had, everything is stopped again.
 */
export async function listen(p: Parts): Promise<string> {
  try {
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(p.config.http.port, p.config.http.host, resolve);
    });
  } catch (error) {
    await stopWork(p);
    await Promise.allSettled([
      p.adapters.bus.close(),
      p.realtime.sockets.close(),
      p.realtime.ws.close(),
    ]);
    throw error;
  }
  const { port } = p.server.address() as AddressInfo;
  const { host } = p.config.http;
  return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
}

/**
 * Brings a listening store to serving, in order: the database listened to (if configured; a
 * first attempt, retried in the background), Redis and the database waited for (with backoff),
 * the cache synced (subscribe, load, apply what arrived meanwhile), the live feeds on the server,
 * the background work, then every request admitted. Rejects if the store is stopped first, or if
 * its own location does not exist (StartRefused).
 */
export async function serve(p: Parts): Promise<void> {
  // LISTEN before the cache loads: a write the load misses is announced after it.
  await p.background.externalWrites.start();
  await p.gate.open(p.adapters.probes, async () => {
    await p.sync.start();
    const own = p.config.store.name;
    if (!p.adapters.locations.get(own)) {
      throw new StartRefused(
        `store ${own} has no location of its own: no location ${own} exists. ` +
          `Add it (POST /locations as an admin at another store, with id "${own}") or set STORE_NAME to an existing location; exiting`,
      );
    }
  });
  p.realtime.alerts.prime(p.adapters.cache.views());
  p.realtime.sockets.attach(p.server);
  p.realtime.ws.attach(p.server);
  await p.background.start();
  p.gate.serve();
}

async function stopWork(p: Parts): Promise<void> {
  await p.background.stop();
  p.sync.close();
  await p.adapters.limiter.close();
  await p.adapters.clusterProbe?.close();
}

/**
 * Stops a store: end any wait for Redis or the database (`serving`, what {@link serve} returned,
 * settles first), stop accepting, move live clients on (a `shutdown` notice, `/ws` 1012), finish
 * what is in flight within `SHUTDOWN_TIMEOUT_MS`, then let go of Redis with the outbox flushed.
 */
export async function stop(p: Parts, serving: Promise<void>): Promise<void> {
  p.gate.stop();
  await serving.catch(() => {});
  const { shutdownTimeoutMs } = p.config.http;
  const { sockets, ws } = p.realtime;
  p.drain.begin();
  p.server.close();
  const notice = { store: p.config.store.name, reason: 'store stopping', reconnect: true as const };
  sockets.announceShutdown(notice);
  ws.announceShutdown(notice);
  await ws.close();
  // Closing Socket.IO closes the HTTP server too, which waits for every connection to end.
  const socketsClosed = sockets.close();
  if (!(await p.drain.idle(shutdownTimeoutMs))) {
    p.log(`closing with ${p.drain.requests} request(s) still in flight`);
  }
  p.server.closeAllConnections(); // now idle keep-alive ones only, unless the timeout passed
  await socketsClosed;
  await stopWork(p);
  await p.adapters.bus.drain(Math.min(shutdownTimeoutMs, 2000));
  await p.adapters.bus.close();
}
