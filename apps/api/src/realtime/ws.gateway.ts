import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  ProductInventory,
  ShutdownNotice,
  StockAlert,
  StockLocation,
  StockUpdate,
  WsMessage,
} from '@stockwire/domain';
import { WebSocket, WebSocketServer } from 'ws';
import type { AlertListener } from '../alerts/low-stock.monitor.js';
import type { CacheListener } from '../sync/inventory.sync.js';
import { FloodGuard, type RealtimeOptions } from './realtime.options.js';

export const WS_PATH = '/ws';

/**
 * The plain WebSocket feed at `/ws`, in the format of the service Stockwire replaces:
 * `{"type":"snapshot","data":[…]}` on connect, then `{"type":"update","data":{…}}`.
 * Each message is serialised once and sent to every client.
 */
export class WsGateway implements CacheListener, AlertListener {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  constructor(
    private readonly snapshot: () => ProductInventory[],
    private readonly options: RealtimeOptions,
  ) {}

  /** Serves `/ws` on `http`; Socket.IO handles its own upgrades on the same server. */
  attach(http: HttpServer): void {
    const { snapshot, options } = this;
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== WS_PATH) return;
      options.admit(url.searchParams.get('token') ?? undefined).then(
        (ok) => {
          if (!ok) {
            socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
            return;
          }
          this.wss.handleUpgrade(req, socket, head, (ws) => this.welcome(ws, snapshot, options));
        },
        () => socket.destroy(),
      );
    });
  }

  private welcome(
    ws: WebSocket,
    snapshot: () => ProductInventory[],
    options: RealtimeOptions,
  ): void {
    ws.send(JSON.stringify({ type: 'snapshot', data: snapshot() } satisfies WsMessage));
    // Clients only listen: what they send is ignored, and a client that floods is cut off.
    const flood = new FloodGuard(options.maxClientMessagesPerSecond);
    ws.on('message', () => {
      if (flood.tooMany()) ws.close(1008, 'too many messages');
    });
    ws.on('error', () => ws.terminate());
  }

  private broadcast(message: WsMessage): void {
    if (this.wss.clients.size === 0) return;
    // Encoded once for all clients: a string would be encoded again for each one.
    const data = Buffer.from(JSON.stringify(message));
    for (const client of this.wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
    }
  }

  onUpdate(update: StockUpdate): void {
    this.broadcast({ type: 'update', data: update });
  }

  onProduct(view: ProductInventory): void {
    this.broadcast({ type: 'product', data: view });
  }

  onSnapshot(views: ProductInventory[]): void {
    this.broadcast({ type: 'snapshot', data: views });
  }

  onLocation(location: StockLocation): void {
    this.broadcast({ type: 'location', data: location });
  }

  onAlert(alert: StockAlert): void {
    this.broadcast({ type: alert.kind, data: alert });
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
