import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveFetch } from './keep-alive.fetch.js';

let server: Server;
let base: string;
const seen: Array<{
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      if (req.url === '/missing') {
        res.writeHead(404, 'Not Found', { 'content-type': 'application/json' });
        res.end('{"message":"no such table"}');
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-range': '0-1/*',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString(), ünïcode: '✓' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

describe('keepAliveFetch', () => {
  const fetchIt = keepAliveFetch();

  it('sends method, headers and body, and answers with status, headers, text and json', async () => {
    const res = await fetchIt(`${base}/rpc/x`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/json', apikey: 'k' }),
      body: '{"a":1}',
    });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/rpc/x',
      headers: { apikey: 'k', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(res.ok).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-range')).toBe('0-1/*');
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-absent')).toBeNull();
    const again = res.clone();
    expect(await res.json()).toEqual({ echo: '{"a":1}', ünïcode: '✓' });
    expect(JSON.parse(new TextDecoder().decode(await again.arrayBuffer()))).toEqual({
      echo: '{"a":1}',
      ünïcode: '✓',
    });
  });

  it('answers errors and empty bodies as fetch does', async () => {
    const missing = await fetchIt(`${base}/missing`);
    expect(missing.ok).toBe(false);
    expect(missing.status).toBe(404);
    expect(missing.statusText).toBe('Not Found');
    expect(await missing.text()).toBe('{"message":"no such table"}');
    const empty = await fetchIt(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('reuses one connection for calls one after another', async () => {
    const ports = new Set<number | undefined>();
    server.on('request', (req: IncomingMessage) => ports.add(req.socket.remotePort));
    for (let i = 0; i < 5; i++)
      await (await fetchIt(`${base}/rpc/y`, { method: 'POST', body: '1' })).text();
    expect(ports.size).toBe(1);
  });

  it('rejects when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await expect(fetchIt(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
