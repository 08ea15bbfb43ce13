import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Latencies } from '../lib/latency.js';
import type { RedisFloorResult, Tasks } from './protocol.js';

const CHANNEL = 'bench_floor';

/** What Redis pub/sub itself costs: PUBLISH on one connection → message on another. */
export async function redisFloor(p: Tasks['redisFloor']['params']): Promise<RedisFloorResult> {
  const pub = new Redis(p.redisUrl);
  const sub = new Redis(p.redisUrl);
  const latency = new Latencies();
  sub.on('message', (_channel: string, message: string) => {
    latency.add(performance.now() - Number(message));
  });
  await sub.subscribe(CHANNEL);
  const total = Math.floor((p.rate * p.durationMs) / 1000);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * p.rate) / 1000) + 1);
    for (; sent < due; sent++) void pub.publish(CHANNEL, String(performance.now()));
    await new Promise((r) => setTimeout(r, 1));
  }
  const deadline = performance.now() + 2000;
  while (latency.count < sent && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  pub.disconnect();
  sub.disconnect();
  return { sent, received: latency.count, latency: latency.summary() };
}
