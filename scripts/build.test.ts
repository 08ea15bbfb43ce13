import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, PROJECT_ROOT, startLocalStack, type LocalStack } from '@stockwire/local-stack';
import { expect, it } from 'vitest';

/**
 * Runs a store as `node <args>` against `stack`, checks it serves, and stops it again. Resolves
 * with its resident memory once idle, in MiB (a figure for the README, not a target: targets live
 * in the benchmark).
 */
async function serveAndMeasure(stack: LocalStack, args: string[], name: string): Promise<number> {
  const port = await freePort();
  const store = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      STORE_NAME: name,
      SUPABASE_URL: stack.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
      REDIS_URL: stack.redisUrl,
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    expect(await inventory.json()).toMatchObject({ total: 9, next_cursor: null });
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
      store: string;
    };
    expect(health.store).toBe(name);
    await new Promise((r) => setTimeout(r, 2000));
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${store.pid}/status`, 'utf8'))?.[1];
    return Math.round(Number(rss) / 1024);
  } finally {
    store.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
}

const DATA_DIR = join(PROJECT_ROOT, '.data', 'test-build');

it('npm run build compiles the workspaces and scripts; the store, migrate and gateway run with plain node', async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: PROJECT_ROOT });
  const stack = await startLocalStack({
    dataDir: DATA_DIR,
    database: 'stockwire_build',
    fresh: true,
    ownRedis: true,
    log: () => {},
  });
  try {
    // No tsx: node runs the JavaScript in dist/, and the workspaces resolve to theirs ("compiled").
    const compiled = await serveAndMeasure(
      stack,
      ['--conditions=compiled', join(PROJECT_ROOT, 'apps/api/dist/main.js')],
      'main-store',
    );
    const throughTsx = await serveAndMeasure(
      stack,
      ['--import', 'tsx', join(PROJECT_ROOT, 'apps/api/src/main.ts')],
      'downtown-store',
    );
    console.info(`idle store, resident: compiled ${compiled} MiB, through tsx ${throughTsx} MiB`);

    // What docker-compose.yml runs besides the stores: the compiled migrate and gateway scripts.
    const { authenticatorPassword } = JSON.parse(
      readFileSync(join(DATA_DIR, 'secrets.json'), 'utf8'),
    ) as { authenticatorPassword: string };
    const migrated = await promisify(execFile)(
      process.execPath,
      ['--conditions=compiled', join(PROJECT_ROOT, 'scripts/dist/migrate.js')],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: stack.databaseUrl,
          AUTHENTICATOR_PASSWORD: authenticatorPassword,
        },
      },
    );
    expect(migrated.stdout).toContain('applied: none; seeded: no (already)');
    const port = await freePort();
    const gateway = spawn(
      process.execPath,
      ['--conditions=compiled', join(PROJECT_ROOT, 'scripts/dist/gateway.js')],
      {
        env: {
          PATH: process.env.PATH,
          JWT_SECRET: stack.jwtSecret,
          POSTGREST_URL: stack.postgrestUrl,
          SUPABASE_PORT: String(port),
        },
        stdio: 'ignore',
      },
    );
    try {
      let products: Response | undefined;
      for (let i = 0; i < 50 && products?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        products = await fetch(`http://127.0.0.1:${port}/rest/v1/products?select=id`, {
          headers: { apikey: stack.serviceRoleKey },
        }).catch(() => undefined);
      }
      expect(products?.status).toBe(200);
      expect(await products!.json()).toHaveLength(9);
    } finally {
      gateway.kill('SIGTERM');
    }
  } finally {
    await stack.stop();
  }
}, 120_000);
