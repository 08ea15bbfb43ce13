import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { eventually } from './support/eventually.js';

/** Whether a Redis answers on `port`. */
async function answers(port: number): Promise<boolean> {
  const client = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

it('shuts a Redis Cluster down when the process that started it is killed', async () => {
  // A process that starts a cluster, says its ports, and is then SIGKILLed: no hook, no exit
  // handler of its own runs, as when a test runner ends a worker that timed out.
  const dir = join(PROJECT_ROOT, '.data', 'test', `redis-cluster-orphans-${process.pid}`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { startRedisCluster } from '@stockwire/local-stack';
       const cluster = await startRedisCluster(${JSON.stringify(dir)});
       console.log(JSON.stringify(cluster.servers.map((s) => s.port)));
       setInterval(() => {}, 1000);`,
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const ports = JSON.parse(line.toString()) as number[];
  expect(ports).toHaveLength(6);
  for (const port of ports) expect(await answers(port)).toBe(true);

  child.kill('SIGKILL');
  try {
    await eventually(async () => !(await Promise.all(ports.map(answers))).some(Boolean), 15_000);
  } finally {
    // Should the watchdog fail, the servers still go, and the failure says so above.
    for (const port of ports) {
      const client = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => {});
      await client
        .connect()
        .then(() => client.shutdown('NOSAVE'))
        .catch(() => {});
      client.disconnect();
    }
  }
}, 90_000);
