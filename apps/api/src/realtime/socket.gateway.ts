import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  ClientIdSchema,
  type ClientToServerEvents,
  type ProductInventory,
  type ServerToClientEvents,
  type ShutdownNotice,
  type StockAlert,
  type StockLocation,
  type StockUpdate,
} from '@stockwire/domain';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { AlertListener } from '../alerts/low-stock.monitor.js';
import type { HoldNotifier } from '../inventory/write.committer.js';
import type { ExpiredHold } from '../store/inventory.store.js';
import type { CacheListener } from '../sync/inventory.sync.js';
import { FloodGuard, type RealtimeOptions } from './realtime.options.js';

/** The room of every socket that identified itself with `auth.client_id`, on any instance. */
const clientRoom = (clientId: string) => `client:${clientId}`;

/**
 * Socket.IO for this store's clients. Stock events are emitted to local sockets only: every
 * instance hears every change from Redis itself, so emitting through the adapter as well would
 * deliver each change once per instance. The Redis adapter is attached for what only it can do
 * (rooms and targeted emits across instances, fetchSockets, serverSideEmit).
 */
export class SocketGateway implements CacheListener, HoldNotifier, AlertListener {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private attached = false;

  constructor(redisUrl: string, snapshot: () => ProductInventory[], options: RealtimeOptions) {
    this.pub = new Redis(redisUrl, { connectionName: 'stockwire-io-pub' });
    this.sub = this.pub.duplicate({ connectionName: 'stockwire-io-sub' });
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
    this.io = new Server({
      adapter: createAdapter(this.pub, this.sub),
      cors: { origin: options.corsOrigins },
      maxHttpBufferSize: 16 * 1024,
    });
    this.io.use((socket, next) => {
      const { token } = socket.handshake.auth as { token?: unknown };
      options.admit(typeof token === 'string' ? token : undefined).then(
        (ok) => next(ok ? undefined : new Error('unauthorized: send auth.token')),
        () => next(new Error('unauthorized: send auth.token')),
      );
    });
    this.io.on('connection', (socket) => {
      // Clients only listen. Anything they send is dropped, and a client that floods is cut off.
      const flood = new FloodGuard(options.maxClientMessagesPerSecond);
      socket.use((_packet, next) => {
        if (flood.tooMany()) socket.disconnect(true);
        else next(new Error('clients send no events'));
      });
      const auth = socket.handshake.auth as { client_id?: unknown };
      const clientId = ClientIdSchema.safeParse(auth.client_id);
      if (clientId.success) void socket.join(clientRoom(clientId.data));
      socket.emit('snapshot', snapshot());
    });
  }

  onUpdate(update: StockUpdate): void {
    this.io.local.emit('update', update);
  }

  onProduct(view: ProductInventory): void {
    this.io.local.emit('product', view);
  }

  onSnapshot(views: ProductInventory[]): void {
    this.io.local.emit('snapshot', views);
  }

  onLocation(location: StockLocation): void {
    this.io.local.emit('location', location);
  }

  /** Through the Redis adapter: the client hears it wherever it is connected, once. */
  reservationExpired(hold: ExpiredHold): void {
    if (!hold.client_id) return;
    this.io.to(clientRoom(hold.client_id)).emit('reservation_expired', {
      reservation_id: hold.reservation_id,
      product_id: hold.product_id,
      warehouse: hold.location,
      quantity: hold.quantity,
      order_id: hold.order_id,
    });
  }

  onAlert(alert: StockAlert): void {
    this.io.local.emit(alert.kind, alert);
  }

  /**
   * Tells this store's clients it is stopping. The close that follows drops their transport, so
   * Socket.IO clients reconnect by themselves (through the load balancer, to another store).
   */
  announceShutdown(notice: ShutdownNotice): void {
    this.io.local.emit('shutdown', notice);
  }

  get clients(): number {
    return this.io.of('/').sockets.size;
  }

  /** Serves Socket.IO on `http`, after the server's own request listener. */
  attach(http: HttpServer): void {
    this.io.attach(http);
    this.attached = true;
  }

  async close(): Promise<void> {
    // A store stopped before it served never attached Socket.IO, which cannot close unattached.
    if (this.attached) await this.io.close();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
