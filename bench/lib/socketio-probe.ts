import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * A minimal Socket.IO client (Engine.IO 4, WebSocket transport only) for load: it speaks the
 * protocol a real client speaks — open, connect to `/`, answer pings, receive events — but skips
 * what a load generator does not need, so that thousands fit in one process and its CPU is spent
 * on receiving, not on a client library.
 */
export class SocketIoProbe {
  /** Events received, by name. */
  readonly received = new Map<string, number>();
  /** Bytes of the `snapshot` frame the store sent on connect. */
  snapshotBytes = 0;

  private constructor(private readonly ws: WebSocket) {}

  /**
   * Connects and resolves once the store has sent its `snapshot`. `onEvent` gets every later event
   * as raw text (`["update",{…}]`), to parse only if needed, and when it arrived
   * (`performance.now()`, taken before anything else is done with it). `query` is added to the
   * handshake's query string, as a client's `query` option is (`locations=main-store`).
   */
  static connect(
    baseUrl: string,
    onEvent?: (text: string, at: number) => void,
    timeoutMs = 30_000,
    query = '',
  ): Promise<SocketIoProbe> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket${query ? `&${query}` : ''}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const probe = new SocketIoProbe(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('no snapshot in time'));
      }, timeoutMs);
      ws.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        switch (data[0] ?? 0) {
          case 0x30: // "0": Engine.IO open → connect to the default namespace
            ws.send('40');
            return;
          case 0x32: // "2": ping
            ws.send('3');
            return;
          case 0x34: {
            // "4": a Socket.IO packet; "42" is an event
            if (data[1] !== 0x32) return;
            const snapshot = data.indexOf('"snapshot"') === 3;
            const name = snapshot ? 'snapshot' : data.toString('latin1', 4, data.indexOf('"', 4));
            probe.received.set(name, (probe.received.get(name) ?? 0) + 1);
            if (snapshot) {
              probe.snapshotBytes = data.length;
              clearTimeout(timer);
              resolve(probe);
            } else {
              onEvent?.(data.toString('utf8', 2), at);
            }
            return;
          }
          default:
            // "3" (pong), "6" (noop) and the rest need no answer.
            return;
        }
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens `count` probes, at most `parallel` handshakes at a time; failures are counted, not thrown. */
export async function connectMany(
  baseUrls: string[],
  count: number,
  onEvent?: (text: string, at: number) => void,
  parallel = 100,
): Promise<{ probes: SocketIoProbe[]; failed: number }> {
  const probes: SocketIoProbe[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        probes.push(await SocketIoProbe.connect(baseUrls[i % baseUrls.length]!, onEvent));
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return { probes, failed };
}
