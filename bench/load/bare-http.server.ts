/**
 * The ceiling for cached reads: bare `node:http` answering each path with the same bytes a store
 * serves for it. Forked by the bench; it replies with its port over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Start {
  /** Base64 bodies by request path (query string included). */
  bodies: Record<string, string>;
}

process.once('message', (start: Start) => {
  const answers = new Map(
    Object.entries(start.bodies).map(([path, base64]) => {
      const body = Buffer.from(base64, 'base64');
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
      };
      return [path, { headers, body }];
    }),
  );
  const server = createServer((req, res) => {
    const answer = answers.get(req.url ?? '');
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, answer.headers);
    res.end(answer.body);
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
});
process.on('disconnect', () => process.exit(0));
