import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  FEED_ALL,
  feedRooms,
  roomsOfChange,
  roomsOfProduct,
  type FeedFilter,
  type ProductInventory,
  type ShutdownNotice,
  type StockAlert,
  type StockLocation,
  type StockUpdate,
  type WsMessage,
} from '@stockwire/domain';
import { WebSocket, WebSocketServer } from 'ws';
import type { AlertListener } from '../alerts/low-stock.monitor.js';
import type { CacheListener } from '../sync/inventory.sync.js';
import { Resumes } from './feed.resume.js';
import { feedFilter, type LiveFeed } from './live.feed.js';
import { FloodGuard, type RealtimeOptions } from './realtime.options.js';

export const WS_PATH = '/ws';

/**
 * The plain WebSocket feed at `/ws`, in the format of the service Stockwire replaces:
 * `{"type":"snapshot","data":[…]}` on connect, then `{"type":"update","data":{…}}`.
 * A client may narrow it (`/ws?locations=…&products=…`); it is then in the rooms of what it
 * watches, and each change is serialised once and sent to the clients of its rooms only.
 */
export class WsGateway implements CacheListener, AlertListener {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly rooms = new Map<string, Set<WebSocket>>();
  private readonly filters = new WeakMap<WebSocket, FeedFilter>();
  private readonly resumes: Resumes<WebSocket>;

  constructor(
    private readonly feed: LiveFeed,
    private readonly options: RealtimeOptions,
  ) {
    this.resumes = new Resumes(feed);
  }

  /** Serves `/ws` on `http`; Socket.IO handles its own upgrades on the same server. */
  attach(http: HttpServer): void {
    const { options } = this;
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== WS_PATH) return;
      const { since, ...params } = Object.fromEntries(url.searchParams);
      const filter = feedFilter(params, since);
      if (!filter.ok) {
        const body = JSON.stringify({
          error: { code: 'validation_failed', message: filter.message },
        });
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
        return;
      }
      options.admit(url.searchParams.get('token') ?? undefined).then(
        (ok) => {
          if (!ok) {
            socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
            return;
          }
          this.wss.handleUpgrade(req, socket, head, (ws) =>
            this.welcome(ws, filter.filter, filter.since, options),
          );
        },
        () => socket.destroy(),
      );
    });
  }

  private welcome(
    ws: WebSocket,
    filter: FeedFilter,
    since: number | undefined,
    options: RealtimeOptions,
  ): void {
    const rooms = feedRooms(filter);
    this.filters.set(ws, filter);
    const join = () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      for (const room of rooms) {
        let members = this.rooms.get(room);
        if (!members) this.rooms.set(room, (members = new Set()));
        members.add(ws);
      }
    };
    ws.on('close', () => {
      for (const room of rooms) {
        const members = this.rooms.get(room);
        members?.delete(ws);
        if (members?.size === 0) this.rooms.delete(room);
      }
    });
    if (since === undefined) {
      join();
      // {"type":"snapshot","data":[…]}, the views as the cache keeps them encoded.
      ws.send(`{"type":"snapshot","data":${this.feed.encodedViews(filter)}}`);
    } else {
      void this.resumes.resume(ws, since, filter).then((resume) => {
        if ('snapshot' in resume) {
          this.send([ws], { type: 'snapshot', data: resume.snapshot, reason: resume.info.reason });
        } else {
          for (const update of resume.updates) this.send([ws], { type: 'update', data: update });
          for (const view of resume.products) this.send([ws], { type: 'product', data: view });
          this.send([ws], { type: 'resumed', data: resume.notice });
        }
        // In the same turn as the last message sent: no live update can come in between.
        join();
      });
    }
    // Clients only listen: what they send is ignored, and a client that floods is cut off.
    const flood = new FloodGuard(options.maxClientMessagesPerSecond);
    ws.on('message', () => {
      if (flood.tooMany()) ws.close(1008, 'too many messages');
    });
    ws.on('error', () => ws.terminate());
  }

  /** Sends `message` to `clients`, encoded once for all: a string would be encoded for each. */
  private send(clients: Iterable<WebSocket>, message: WsMessage): void {
    let data: Buffer | undefined;
    for (const client of clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      data ??= Buffer.from(JSON.stringify(message));
      client.send(data, { binary: false });
    }
  }

  /** The clients in any of `rooms`; a client is in rooms of one kind, so in one of these at most. */
  private *inRooms(rooms: readonly string[]) {
    for (const room of rooms) yield* this.rooms.get(room) ?? [];
  }

  private broadcast(message: WsMessage): void {
    this.send(this.wss.clients, message);
  }

  onUpdate(update: StockUpdate): void {
    this.resumes.offer(update);
    this.send(this.inRooms(roomsOfChange(update.product_id, update.warehouse)), {
      type: 'update',
      data: update,
    });
  }

  onProduct(view: ProductInventory): void {
    this.send(this.rooms.get(FEED_ALL) ?? [], { type: 'product', data: view });
    const narrowed = new Set(
      this.inRooms(roomsOfProduct(view.product_id, Object.keys(view.locations))),
    );
    for (const client of narrowed) {
      const seen = this.feed.view(view.product_id, this.filters.get(client)!);
      if (seen) this.send([client], { type: 'product', data: seen });
    }
  }

  onSnapshot(views: ProductInventory[]): void {
    const all = this.rooms.get(FEED_ALL) ?? new Set<WebSocket>();
    this.send(all, { type: 'snapshot', data: views });
    for (const client of this.wss.clients) {
      if (!all.has(client))
        this.send([client], { type: 'snapshot', data: this.feed.views(this.filters.get(client)!) });
    }
  }

  onLocation(location: StockLocation): void {
    this.broadcast({ type: 'location', data: location });
  }

  onAlert(alert: StockAlert): void {
    this.send(this.inRooms(roomsOfChange(alert.product_id, alert.location)), {
      type: alert.kind,
      data: alert,
    });
  }

  /** Tells this store's clients it is stopping; {@link close} then closes with 1012 (restart). */
  announceShutdown(notice: ShutdownNotice): void {
    this.broadcast({ type: 'shutdown', data: notice });
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.close(1012, 'store restarting; reconnect');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
