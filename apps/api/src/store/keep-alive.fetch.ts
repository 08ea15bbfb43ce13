import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface KeepAliveFetchOptions {
  /**
   * Sockets per origin at most; requests beyond them queue for a free one.
   * @default 32
   */
  maxSockets?: number;
}

function responseHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * A `Response` over a body already in memory. Node's `Response` wraps even a buffer in a web
 * stream and reads it back through one, which profiling put among the larger costs of an rpc; this
 * one keeps the bytes and the raw headers, and builds a `Headers` only if asked for one.
 */
class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  readonly bodyUsed = false;
  private parsedHeaders: Headers | undefined;

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly rawHeaders: IncomingHttpHeaders,
    private readonly bytes: Buffer,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  get headers(): Headers {
    return (this.parsedHeaders ??= responseHeaders(this.rawHeaders));
  }

  text(): Promise<string> {
    return Promise.resolve(this.bytes.toString('utf8'));
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.bytes;
    return Promise.resolve(buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
  }

  clone(): BufferedResponse {
    return new BufferedResponse(
      this.status,
      this.statusText,
      this.rawHeaders,
      this.bytes,
      this.url,
    );
  }
}

/**
 * A `fetch` for supabase-js on `node:http(s)` with keep-alive agents. Node's own `fetch` (undici)
 * spends several times more CPU per call, and each write costs the store an rpc; this one reuses
 * its sockets and does only what an rpc needs: method, headers, a string or byte body, a signal.
 * Anything else goes to the global `fetch`.
 */
export function keepAliveFetch(options: KeepAliveFetchOptions = {}): typeof fetch {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);

  return (input, init) => {
    const body = init?.body;
    const simple =
      (typeof input === 'string' || input instanceof URL) &&
      (body === undefined ||
        body === null ||
        typeof body === 'string' ||
        body instanceof Uint8Array);
    if (!simple) return fetch(input, init);
    const url = new URL(input);
    const secure = url.protocol === 'https:';
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init?.method ?? 'GET',
          headers,
          agent: secure ? https : http,
          signal: init?.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 502;
            const empty = status === 204 || status === 205 || status === 304;
            const body = empty ? Buffer.alloc(0) : Buffer.concat(chunks);
            const response = new BufferedResponse(
              status,
              res.statusMessage ?? '',
              res.headers,
              body,
              url.href,
            );
            // What supabase-js reads of a response (status, headers, text, json) it has.
            resolve(response as unknown as Response);
          });
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  };
}
