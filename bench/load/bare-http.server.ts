/**
 * The ceiling for cached reads: bare `node:http` answering every request with the same bytes a
 * store serves for one product. Forked by the bench; it replies with its port over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Start {
  body: string;
}

process.once('message', (start: Start) => {
  const body = Buffer.from(start.body, 'base64');
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
  };
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
});
process.on('disconnect', () => process.exit(0));
