import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RawResponse {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** How long an idle connection is reused: a second less than Node's server keeps it open. */
const KEEP_ALIVE_MS = 4000;

/**
 * One keep-alive HTTP/1.1 connection that sends prebuilt request bytes, one request at a time, and
 * parses only what a load generator needs: the status and a `Content-Length` body. Far cheaper per
 * request than `fetch` or `http.request`, so the generator takes less of the CPU it shares with the
 * servers it measures.
 */
export class RawHttpConnection {
  private buffered: Buffer | null = null;
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;
  private closed = false;
  /** When the last response arrived (or the connection opened), for the keep-alive timeout. */
  private idleSince = performance.now();

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
    // The server ends a keep-alive connection left idle too long: not one to send on again.
    socket.on('end', () => this.fail(new Error('connection ended by the server')));
  }

  /**
   * Whether a request may still be sent on it: the server has not closed it, and it has not sat
   * idle so long that the server may be closing it right now. Node's servers close keep-alive
   * connections after 5 s idle (`Keep-Alive: timeout=5`); like undici, this gives up on them a
   * second before.
   */
  get usable(): boolean {
    return !this.closed && !this.waiting && performance.now() - this.idleSince < KEEP_ALIVE_MS;
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RawHttpConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request and resolves with its response. */
  send(request: Buffer): Promise<RawResponse> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (this.waiting) return Promise.reject(new Error('a request is already in flight'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let buf = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const parsed = parseResponse(buf);
      if (parsed === 'incomplete') {
        this.buffered = buf;
        return;
      }
      if (parsed instanceof Error) {
        this.fail(parsed);
        return;
      }
      const waiting = this.waiting;
      this.waiting = null;
      this.idleSince = performance.now();
      waiting?.resolve(parsed.response);
      if (parsed.end === buf.length) {
        this.buffered = null;
        return;
      }
      buf = buf.subarray(parsed.end);
    }
  }

  private fail(error: Error): void {
    this.closed = true;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }
}

const CRLF = Buffer.from('\r\n');

/** One response at the start of `buf`, with where it ends; Content-Length or chunked bodies. */
function parseResponse(buf: Buffer): { response: RawResponse; end: number } | 'incomplete' | Error {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd < 0) return 'incomplete';
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + HEADER_END.length;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    if (buf.length < end) return 'incomplete';
    return { response: { status, body: buf.subarray(bodyStart, end) }, end };
  }
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) {
    return new Error(`response without a length: ${head.split('\r\n')[0] ?? ''}`);
  }
  const parts: Buffer[] = [];
  for (let at = bodyStart; ;) {
    const lineEnd = buf.indexOf(CRLF, at);
    if (lineEnd < 0) return 'incomplete';
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    const dataStart = lineEnd + 2;
    if (size === 0) {
      if (buf.length < dataStart + 2) return 'incomplete';
      return { response: { status, body: Buffer.concat(parts) }, end: dataStart + 2 };
    }
    if (buf.length < dataStart + size + 2) return 'incomplete';
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

/** The bytes of a `GET` request. */
export function getRequest(path: string, headers: Record<string, string> = {}): Buffer {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`, 'latin1');
}

/** The bytes of a `POST` request with a JSON body. */
export function postJsonRequest(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Buffer {
  const json = Buffer.from(JSON.stringify(body));
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
    `content-length: ${json.length}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), json]);
}
