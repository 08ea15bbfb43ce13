import type {
  ClientToServerEvents,
  ProductInventory,
  ServerToClientEvents,
  ShutdownNotice,
  StockUpdate,
  WsMessage,
} from '@stockwire/domain';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

/** What a client knows of one stock row: on hand and the version it came with. */
export interface ClientRow {
  on_hand: number;
  version: number;
}

/** A client's picture of the stock, product → location → row. */
export type ClientPicture = Map<string, Map<string, ClientRow>>;

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A Socket.IO client of one store that keeps the picture a real client would: the `snapshot`, then
 * every `update` and `product` newer than what it has, dropping the rest by `version`.
 */
export class SocketWatcher {
  readonly picture: ClientPicture = new Map();
  snapshots = 0;
  readonly updates: StockUpdate[] = [];
  readonly products: ProductInventory[] = [];
  readonly shutdowns: ShutdownNotice[] = [];
  /** Why the connection closed, each time it did (`transport close` means: reconnect). */
  readonly disconnects: string[] = [];
  /** Updates a client had to drop as not newer than what it had. */
  dropped = 0;

  private constructor(private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>) {
    socket.on('snapshot', (views) => {
      this.snapshots++;
      this.picture.clear();
      for (const view of views) this.take(view);
    });
    socket.on('update', (u) => {
      this.updates.push(u);
      if (!this.set(u.product_id, u.warehouse, { on_hand: u.quantity, version: u.version })) {
        this.dropped++;
      }
    });
    socket.on('product', (view) => {
      this.products.push(view);
      this.take(view);
    });
    socket.on('shutdown', (notice) => this.shutdowns.push(notice));
    socket.on('disconnect', (reason) => this.disconnects.push(reason));
  }

  /** Connects (websocket transport, no automatic reconnection) and waits for the snapshot. */
  static async connect(url: string): Promise<SocketWatcher> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const watcher = new SocketWatcher(socket);
    await until(() => watcher.snapshots > 0, `a snapshot from ${url}`);
    return watcher;
  }

  private take(view: ProductInventory): void {
    for (const [location, row] of Object.entries(view.locations)) {
      this.set(view.product_id, location, { on_hand: row.on_hand, version: row.version });
    }
  }

  private set(productId: string, location: string, row: ClientRow): boolean {
    let rows = this.picture.get(productId);
    if (!rows) this.picture.set(productId, (rows = new Map<string, ClientRow>()));
    const known = rows.get(location);
    if (known && known.version >= row.version) return false;
    rows.set(location, row);
    return true;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  close(): void {
    this.socket.close();
  }
}

/** A client of a store's plain WebSocket feed at `/ws`, recording messages and the close. */
export class WsWatcher {
  readonly messages: WsMessage[] = [];
  closeCode: number | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) =>
      this.messages.push(JSON.parse(data.toString()) as WsMessage),
    );
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {});
  }

  static async connect(url: string): Promise<WsWatcher> {
    const watcher = new WsWatcher(new WebSocket(`${url.replace(/^http/, 'ws')}/ws`));
    await until(() => watcher.messages.length > 0, `a snapshot on ${url}/ws`);
    return watcher;
  }

  close(): void {
    this.ws.close();
  }
}

/** Rows where a client's picture differs from the truth, for the given products. */
export function pictureDifferences(
  picture: ClientPicture,
  truth: ReadonlyMap<string, ProductInventory | Omit<ProductInventory, 'last_updated'>>,
  productIds: readonly string[],
): string[] {
  const differences: string[] = [];
  for (const id of productIds) {
    const want = truth.get(id);
    const have = picture.get(id);
    for (const [location, row] of Object.entries(want?.locations ?? {})) {
      const seen = have?.get(location);
      if (seen?.on_hand !== row.on_hand || seen.version !== row.version) {
        differences.push(
          `${id}@${location}: database ${row.on_hand} v${row.version}, client ${seen ? `${seen.on_hand} v${seen.version}` : 'nothing'}`,
        );
      }
    }
  }
  return differences;
}
