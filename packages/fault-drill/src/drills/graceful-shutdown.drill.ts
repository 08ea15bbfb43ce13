import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { withClient } from '@stockwire/local-stack';
import { pictureDifferences, SocketWatcher, WsWatcher } from '../clients.js';
import type { Cluster } from '../cluster.js';
import { databaseInventory, waitForConvergence } from '../convergence.js';
import { AUTHORIZATION } from '../credentials.js';
import { health } from '../store-health.js';
import type { Exit, StoreProcess } from '../store-process.js';
import { createProduct } from '../writes.js';
import { check, seconds, until, type Drill } from './drill.js';

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

export const shutdownDrill: Drill = {
  what: () => 'a store gets SIGTERM with a request in flight and live clients',
  async run(cluster) {
    const report = await gracefulShutdown(cluster);
    const problems: string[] = [];
    check(
      problems,
      report.inFlight.status === 200,
      `the request in flight got ${report.inFlight.status}`,
    );
    check(problems, report.exit.code === 0, `exit ${report.exit.code ?? report.exit.signal}`);
    check(problems, report.socket.shutdownNotices === 1, 'Socket.IO client not told');
    check(problems, report.ws.closeCode === 1012, `/ws closed with ${report.ws.closeCode}`);
    check(problems, report.reconnectedElsewhere, 'no fresh snapshot from another store');
    return {
      report,
      problems,
      lines: [
        `request in flight answered ${report.inFlight.status}, committed: ${report.inFlight.committed}`,
        `clients told (Socket.IO ${report.socket.disconnect}, /ws ${report.ws.closeCode}); new connections refused: ${report.refusedNewConnections}`,
        `a client reconnecting to another store got a snapshot with that write: ${report.reconnectedElsewhere}`,
        `exit code ${report.exit.code} ${seconds(report.exitMs)} after SIGTERM (the drill held the request open)`,
      ],
    };
  },
};
