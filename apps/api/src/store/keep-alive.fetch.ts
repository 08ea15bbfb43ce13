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
            resolve(
              new Response(empty ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: responseHeaders(res.headers),
              }),
            );
          });
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  };
}
