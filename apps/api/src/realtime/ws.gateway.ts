import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProductInventory, ShutdownNotice, StockUpdate, WsMessage } from '@stockwire/domain';
import { WebSocket, WebSocketServer } from 'ws';
import type { CacheListener } from '../sync/inventory.sync.js';

export const WS_PATH = '/ws';

/**
 * The plain WebSocket feed at `/ws`, in the format of the service Stockwire replaces:
 * `{"type":"snapshot","data":[…]}` on connect, then `{"type":"update","data":{…}}`.
 * Each message is serialised once and sent to every client.
 */
export class WsGateway implements CacheListener {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  constructor(http: HttpServer, snapshot: () => ProductInventory[]) {
    // Only /ws is ours; Socket.IO handles its own upgrades on the same server.
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== WS_PATH) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ type: 'snapshot', data: snapshot() } satisfies WsMessage));
        // Clients only listen; anything they send is ignored.
        ws.on('error', () => ws.terminate());
      });
    });
  }

  private broadcast(message: WsMessage): void {
    if (this.wss.clients.size === 0) return;
    const data = JSON.stringify(message);
    for (const client of this.wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data);
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
