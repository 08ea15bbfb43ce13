import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to the next requests whose URL contains `match`: `drop-answer` forwards the
 * request and lets the server answer, then cuts the connection before the answer reaches the
 * caller; `drop-request` cuts the connection before anything is forwarded.
 */
export interface Fault {
  match: string;
  fault: 'drop-answer' | 'drop-request';
  times: number;
}

export interface LossyProxy {
  url: string;
  /** Arms a fault; faults apply in the order armed, each to its next `times` requests. */
  arm(fault: Fault): void;
  /** Forgets every fault armed: from now on everything passes. */
  disarm(): void;
  /** Requests each fault was applied to so far, by `match`. */
  applied: Map<string, number>;
  close(): Promise<void>;
}

/** An HTTP proxy in front of `target` that loses requests or answers when told to. */
export async function lossyProxy(target: string): Promise<LossyProxy> {
  const faults: Fault[] = [];
  const applied = new Map<string, number>();
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const fault = faults.find((f) => f.times > 0 && req.url?.includes(f.match));
    if (fault) {
      fault.times--;
      applied.set(fault.match, (applied.get(fault.match) ?? 0) + 1);
    }
    if (fault?.fault === 'drop-request') {
      req.socket.destroy();
      return;
    }
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        if (fault?.fault === 'drop-answer') {
          // Read the whole answer, so the server is done with the request, then lose it.
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm: (fault) => faults.push({ ...fault }),
    disarm: () => faults.splice(0),
    applied,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
