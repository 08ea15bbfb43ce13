import type {
  ClientToServerEvents,
  ProductInventory,
  ReservationExpiredNotice,
  ServerToClientEvents,
  SocketAuth,
  StockUpdate,
  WsMessage,
} from '@stockwire/domain';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { eventually } from './eventually.js';

/** A Socket.IO client that records what it receives; `query` narrows its feed. */
export async function socketClient(
  url: string,
  auth: SocketAuth = {},
  query: Record<string, string> = {},
) {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
    query,
  });
  const updates: StockUpdate[] = [];
  const snapshots: ProductInventory[][] = [];
  const expired: ReservationExpiredNotice[] = [];
  socket.on('update', (u) => updates.push(u));
  socket.on('snapshot', (s) => snapshots.push(s));
  socket.on('reservation_expired', (n) => expired.push(n));
  await eventually(() => snapshots.length > 0);
  return { socket, updates, snapshots, expired, close: () => socket.close() };
}

/** A plain WebSocket client on `/ws` that records what it receives; `query` narrows its feed. */
export async function wsClient(url: string, query = '') {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${query}`);
  const messages: WsMessage[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as WsMessage));
  await eventually(() => messages.length > 0);
  const updates = () => messages.flatMap((m) => (m.type === 'update' ? [m.data] : []));
  return { ws, messages, updates, close: () => ws.close() };
}
