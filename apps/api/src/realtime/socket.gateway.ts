import type { Server as HttpServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import {
  ClientIdSchema,
  FEED_ALL,
  feedRooms,
  roomsOfChange,
  roomsOfProduct,
  type ClientToServerEvents,
  type FeedFilter,
  type ProductInventory,
  type ServerToClientEvents,
  type ShutdownNotice,
  type StockAlert,
  type StockLocation,
  type StockUpdate,
} from '@stockwire/domain';
import { Server } from 'socket.io';
import { EncodedJson, encodedJsonParser } from './encoded.json.js';
import type { AlertListener } from '../alerts/low-stock.monitor.js';
import type { HoldNotifier } from '../inventory/write.committer.js';
import {
  createRedisClient,
  isCluster,
  type RedisClient,
  type RedisTarget,
} from '../redis/redis.client.js';
import type { ExpiredHold } from '../store/inventory.store.js';
import type { CacheListener } from '../sync/inventory.sync.js';
import { Resumes } from './feed.resume.js';
import { feedFilter, type LiveFeed } from './live.feed.js';
import { FloodGuard, type RealtimeOptions } from './realtime.options.js';

/** What the gateway keeps per socket: what its client watches. */
interface SocketData {
  filter: FeedFilter;
  /** The last `event_id` the client saw, when it resumes. */
  since: number | undefined;
}

/** The room of every socket that identified itself with `auth.client_id`, on any instance. */
const clientRoom = (clientId: string) => `client:${clientId}`;

/**
 * Socket.IO for this store's clients. Stock events are emitted to local sockets only: every
 * instance hears every change from Redis itself, so emitting through the adapter as well would
 * deliver each change once per instance. The Redis adapter is attached for what only it can do
 * (rooms and targeted emits across instances, fetchSockets, serverSideEmit).
 *
 * A client may narrow its feed at connect (`query: {locations, products}`): it joins local rooms
 * for what it watches ({@link feedRooms}), and a change is emitted to the rooms that watch it
 * ({@link roomsOfChange}), so it costs work only for the sockets that want it.
 *
 * On a Redis Cluster the adapter is the sharded one (SPUBLISH/SSUBSCRIBE, so the adapter's
 * messages go to one shard, not to every node), in `static` mode: two shard channels per
 * namespace, never one per room, since every narrowed feed and every `client:` room is a room.
 * Its subscriber keeps one connection per shard (`shardedSubscribers`).
 */
export class SocketGateway implements CacheListener, HoldNotifier, AlertListener {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  private attached = false;
  private readonly resumes: Resumes<object>;

  constructor(
    redis: RedisTarget,
    private readonly feed: LiveFeed,
    options: RealtimeOptions,
  ) {
    this.resumes = new Resumes(feed);
    const sharded = isCluster(redis);
    this.pub = createRedisClient(redis, { name: 'stockwire-io-pub' });
    this.sub = createRedisClient(redis, { name: 'stockwire-io-sub', shardedSubscribers: sharded });
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
    this.io = new Server({
      adapter: sharded
        ? createShardedAdapter(this.pub, this.sub, { subscriptionMode: 'static' })
        : createAdapter(this.pub, this.sub),
      cors: { origin: options.corsOrigins },
      maxHttpBufferSize: 16 * 1024,
      parser: encodedJsonParser,
    });
    this.io.use((socket, next) => {
      const { since } = socket.handshake.auth as { since?: unknown };
      const filter = feedFilter(socket.handshake.query, since);
      if (!filter.ok) return next(new Error(filter.message));
      socket.data.filter = filter.filter;
      socket.data.since = filter.since;
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
      const { filter, since } = socket.data;
      if (since === undefined) {
        void socket.join(feedRooms(filter));
        // The snapshot as the cache keeps it encoded; clients receive the same text either way.
        const snapshot = new EncodedJson(
          feed.encodedViews(filter),
        ) as unknown as ProductInventory[];
        socket.emit('snapshot', snapshot);
        return;
      }
      void this.resumes.resume(socket, since, filter).then((resume) => {
        if (!socket.connected) return;
        if ('snapshot' in resume) {
          socket.emit('snapshot', resume.snapshot, resume.info);
        } else {
          for (const update of resume.updates) socket.emit('update', update);
          for (const view of resume.products) socket.emit('product', view);
          socket.emit('resumed', resume.notice);
        }
        // In the same turn as the last message sent: no live update can come in between.
        void socket.join(feedRooms(filter));
      });
    });
  }

  onUpdate(update: StockUpdate): void {
    this.resumes.offer(update);
    const rooms = roomsOfChange(update.product_id, update.warehouse);
    // Socket.IO encodes a broadcast before it looks for its sockets: a change nobody here
    // watches is not encoded at all.
    const local = this.io.of('/').adapter.rooms;
    if (rooms.some((room) => local.has(room))) this.io.local.to(rooms).emit('update', update);
  }

  onProduct(view: ProductInventory): void {
    this.io.local.to(FEED_ALL).emit('product', view);
    // A narrowed client sees the product as its filter shows it.
    for (const socket of this.localSockets(
      roomsOfProduct(view.product_id, Object.keys(view.locations)),
    )) {
      const narrowed = this.feed.view(view.product_id, socket.data.filter);
      if (narrowed) socket.emit('product', narrowed);
    }
  }

  onSnapshot(views: ProductInventory[]): void {
    this.io.local.to(FEED_ALL).emit('snapshot', views);
    for (const socket of this.io.of('/').sockets.values()) {
      if (!socket.rooms.has(FEED_ALL)) socket.emit('snapshot', this.feed.views(socket.data.filter));
    }
  }

  /** This instance's sockets in any of `rooms`, each once. */
  private *localSockets(rooms: readonly string[]) {
    const nsp = this.io.of('/');
    const seen = new Set<string>();
    for (const room of rooms) {
      for (const id of nsp.adapter.rooms.get(room) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const socket = nsp.sockets.get(id);
        if (socket) yield socket;
      }
    }
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
    this.io.local.to(roomsOfChange(alert.product_id, alert.location)).emit(alert.kind, alert);
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
