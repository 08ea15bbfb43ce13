import { performance } from 'node:perf_hooks';
import { connectMany, type SocketIoProbe } from '../lib/socketio-probe.js';
import type { Tasks } from './protocol.js';

let open: SocketIoProbe[] = [];

/** Opens Socket.IO clients on one store and keeps them open until {@link connectionsClose}. */
export async function connectionsOpen(
  p: Tasks['connectionsOpen']['params'],
): Promise<Tasks['connectionsOpen']['result']> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { probes, failed } = await connectMany([p.url], p.count);
  open.push(...probes);
  const used = process.cpuUsage(cpu);
  return {
    connected: probes.length,
    failed,
    seconds: (performance.now() - start) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

export function connectionsClose(): Promise<{ closed: number }> {
  const closed = open.length;
  open.forEach((probe) => probe.close());
  open = [];
  return Promise.resolve({ closed });
}
