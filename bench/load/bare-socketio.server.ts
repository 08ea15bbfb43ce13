/**
 * The floor for the chain's live feeds: a bare Socket.IO server, in a process of its own, that
 * does nothing but what a store's feed must — put each client in the room of the location it asks
 * for (`?locations=`), send a snapshot, and emit `update` events of a store's shape to a location's
 * room at a fixed rate. No database, no Redis, no cache: the time from an update's due time to its
 * arrival is what the machine itself takes to fan one event out to a room's sockets.
 *
 * Forked by the bench; it replies with its port over IPC, then takes `{emit: {...}}` and answers
 * with the due time of every update sent, by `product|location|version`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';

interface Emit {
  products: string[];
  locations: string[];
  rate: number;
  durationMs: number;
}

const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 16 * 1024 });
io.on('connection', (socket) => {
  const asked = socket.handshake.query.locations;
  const location = typeof asked === 'string' ? asked : '';
  void socket.join(`location:${location}`);
  socket.emit('snapshot', []);
});

const wall = (at: number) => performance.timeOrigin + at;

/** Emits `rate` updates a second for `durationMs`, each due on a fixed schedule. */
function emitAtRate(p: Emit): Promise<Record<string, number>> {
  const sent: Record<string, number> = {};
  const versions = new Map<string, number>();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const start = performance.now();
  const total = Math.round((p.rate * p.durationMs) / 1000);
  let done = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; done < total && start + (done * 1000) / p.rate <= now; done++) {
        const dueAt = start + (done * 1000) / p.rate;
        const product = pick(p.products);
        const location = pick(p.locations);
        const row = `${product}|${location}`;
        const version = (versions.get(row) ?? 1) + 1;
        versions.set(row, version);
        sent[`${row}|${version}`] = wall(dueAt);
        io.to(`location:${location}`).emit('update', {
          product_id: product,
          warehouse: location,
          quantity: 99,
          change: -1,
          reserved_change: 0,
          in_transit: 0,
          update_type: 'sale',
          version,
          product_version: version * 100,
          timestamp: new Date().toISOString(),
          total_stock: 9_900,
          reserved_stock: 0,
          available_stock: 9_900,
          store: 'bare',
          event_id: done + 1,
          order_id: null,
          reservation_id: null,
          transfer_id: null,
        });
      }
      if (done < total) setTimeout(tick, 1);
      else resolve(sent);
    };
    tick();
  });
}

process.on('message', (m: { emit?: Emit }) => {
  if (m.emit) void emitAtRate(m.emit).then((sent) => process.send?.({ sent }));
});
http.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (http.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
