import { closedLoop, type LoadResult } from '../lib/load.js';
import { getRequest } from '../lib/raw-http.js';
import type { Tasks } from './protocol.js';

/** `GET path` on every port, connections spread evenly, closed loop. */
export async function reads(p: Tasks['reads']['params']): Promise<LoadResult> {
  const request = getRequest(p.path);
  return closedLoop({
    connections: p.connections,
    portOf: (i) => p.ports[i % p.ports.length]!,
    next: () => request,
    durationMs: p.durationMs,
    warmupMs: p.warmupMs,
  });
}
