import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, PROJECT_ROOT, startLocalStack } from '@stockwire/local-stack';
import { expect, it } from 'vitest';

it('npm run build compiles the workspaces, and the compiled store runs with plain node', async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: PROJECT_ROOT });
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.data', 'test-build'),
    database: 'stockwire_build',
    fresh: true,
    ownRedis: true,
    log: () => {},
  });
  const port = await freePort();
  // No tsx: node runs the JavaScript in dist/, and the workspaces resolve to theirs ("compiled").
  const store = spawn(
    process.execPath,
    ['--conditions=compiled', join(PROJECT_ROOT, 'apps/api/dist/main.js')],
    {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        STORE_NAME: 'compiled-store',
        SUPABASE_URL: stack.supabaseUrl,
        SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
        REDIS_URL: stack.redisUrl,
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  store.stdout.on('data', (d: Buffer) => (output += d.toString()));
  store.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    store.once('exit', (code) => resolve(code)),
  );
  try {
    const deadline = Date.now() + 30_000;
    while (!output.includes('ready at') && store.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain('ready at');
    const inventory = await fetch(`http://127.0.0.1:${port}/inventory`);
    expect(inventory.status).toBe(200);
    expect(await inventory.json()).toHaveLength(9);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
      store: string;
    };
    expect(health.store).toBe('compiled-store');
    // For the README's figure, not a target: targets live in the benchmark.
    await new Promise((r) => setTimeout(r, 2000));
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${store.pid}/status`, 'utf8'))?.[1];
    console.info(`compiled store, idle: ${Math.round(Number(rss) / 1024)} MiB resident`);
  } finally {
    store.kill('SIGTERM');
    expect(await exited).toBe(0);
    await stack.stop();
  }
}, 120_000);
