import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type {
  ClientToServerEvents,
  ProductInventory,
  ServerToClientEvents,
  ShutdownNotice,
  StockUpdate,
} from '@stockwire/domain';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { CacheListener } from '../sync/inventory.sync.js';

/**
 * Socket.IO for this store's clients. Stock events are emitted to local sockets only: every
 * instance hears every change from Redis itself, so emitting through the adapter as well would
 * deliver each change once per instance. The Redis adapter is attached for what only it can do
 * (rooms and targeted emits across instances, fetchSockets, serverSideEmit).
 */
export class SocketGateway implements CacheListener {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(http: HttpServer, redisUrl: string, snapshot: () => ProductInventory[]) {
    this.pub = new Redis(redisUrl, { connectionName: 'stockwire-io-pub' });
    this.sub = this.pub.duplicate({ connectionName: 'stockwire-io-sub' });
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
    this.io = new Server(http, {
      adapter: createAdapter(this.pub, this.sub),
      cors: { origin: true },
      maxHttpBufferSize: 16 * 1024,
    });
    this.io.on('connection', (socket) => {
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

  async close(): Promise<void> {
    await this.io.close();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
