/**
 * `npx tsx bench/cluster-publish.ts`: `inventory_updates` on a Redis Cluster, classic PUBLISH
 * against sharded SPUBLISH. Starts a cluster of 3 masters and 3 replicas (as the tests do), three
 * subscribers as three stores would hold them, and one publisher sending stock-update-sized
 * messages at a steady rate; reports, per mode, deliveries, publish-to-receipt p50/p99 and the CPU
 * the six redis-servers spent (their `used_cpu_user` + `used_cpu_sys`) per 1,000 messages.
 *
 *   npx tsx bench/cluster-publish.ts                              2,000 messages/s for 5 s
 *   npx tsx bench/cluster-publish.ts --rate 5000 --seconds 10
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, startRedisCluster, type RedisCluster } from '@stockwire/local-stack';
import { Cluster } from 'ioredis';
import { z } from 'zod';
import { Latencies } from './lib/latency.js';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '5' } },
});
const args = z
  .object({
    rate: z.coerce.number().int().min(1).max(50_000),
    seconds: z.coerce.number().int().min(1).max(120),
  })
  .parse(values);

const CHANNEL = 'inventory_updates';
const SUBSCRIBERS = 3;
type Mode = 'PUBLISH' | 'SPUBLISH';

/** CPU seconds every server of the cluster has used so far. */
async function clusterCpu(client: Cluster): Promise<number> {
  const infos = await Promise.all(
    client.nodes('all').map(async (node) => String(await node.info('cpu'))),
  );
  return infos.reduce((sum, info) => {
    const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
    const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
    return sum + user + sys;
  }, 0);
}

async function measure(cluster: RedisCluster, mode: Mode) {
  const nodes = cluster.servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  const sharded = mode === 'SPUBLISH';
  const latencies = new Latencies();
  const subscribers = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async () => {
      const sub = new Cluster(nodes, { shardedSubscribers: sharded });
      const onMessage = (_channel: string, raw: string) => {
        latencies.add(Date.now() - (JSON.parse(raw) as { sent: number }).sent);
      };
      if (sharded) {
        sub.on('smessage', onMessage);
        await sub.ssubscribe(CHANNEL);
      } else {
        sub.on('message', onMessage);
        await sub.subscribe(CHANNEL);
      }
      return sub;
    }),
  );
  const pub = new Cluster(nodes, { enableAutoPipelining: true });
  await pub.ping();
  const cpuBefore = await clusterCpu(pub);
  const total = args.rate * args.seconds;
  const body = { product_id: 'OLJCESPC7Z', warehouse: 'main-store', on_hand: 41, reserved: 2 };
  const started = Date.now();
  for (let sent = 0; sent < total;) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * args.rate));
    for (; sent < due; sent++) {
      const message = JSON.stringify({ ...body, version: sent, sent: Date.now() });
      void (sharded ? pub.spublish(CHANNEL, message) : pub.publish(CHANNEL, message));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 5000;
  while (latencies.count < total * SUBSCRIBERS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = (await clusterCpu(pub)) - cpuBefore;
  const summary = latencies.summary();
  pub.disconnect();
  subscribers.forEach((s) => s.disconnect());
  return {
    mode,
    messages: total,
    deliveries: summary.count,
    missing: total * SUBSCRIBERS - summary.count,
    p50_ms: summary.p50,
    p99_ms: summary.p99,
    redis_cpu_ms_per_1000: Math.round(((cpu * 1000) / total) * 1000 * 10) / 10,
  };
}

const cluster = await startRedisCluster(join(PROJECT_ROOT, '.data', 'bench', 'cluster-publish'));
try {
  const rows = [];
  for (const mode of ['PUBLISH', 'SPUBLISH'] as const) rows.push(await measure(cluster, mode));
  console.log(`${args.rate} messages/s for ${args.seconds} s, ${SUBSCRIBERS} subscribers`);
  console.table(rows);
} finally {
  await cluster.stop();
}
