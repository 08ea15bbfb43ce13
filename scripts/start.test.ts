import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, isListening, PROJECT_ROOT } from '@stockwire/local-stack';
import { expect, it } from 'vitest';

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

/**
 * Starts `command` in the project with the stack on free ports under `dataDir` and the stores
 * given; resolves once it says every store is ready (or it exits), with its output so far.
 */
async function startStack(
  command: string,
  args: string[],
  env: { STORES: string; SUPABASE_PORT: number; POSTGRES_PORT: number; DATA_DIR: string },
) {
  await rm(env.DATA_DIR, { recursive: true, force: true });
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ...env,
      SUPABASE_PORT: String(env.SUPABASE_PORT),
      POSTGRES_PORT: String(env.POSTGRES_PORT),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { output: '' };
  child.stdout.on('data', (d: Buffer) => (log.output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log.output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const deadline = Date.now() + 90_000;
  while (
    !log.output.includes('all stores ready') &&
    child.exitCode === null &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, log, exited };
}

it('npm start brings up a seeded stack and its stores from nothing, and Ctrl-C stops all of it', async () => {
  const dataDir = join(PROJECT_ROOT, '.data', 'test-start');
  const [a, b, supabase, postgres] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const { child, log, exited } = await startStack(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/start.ts')],
    {
      STORES: `north-store:${a},south-store:${b}`,
      SUPABASE_PORT: supabase,
      POSTGRES_PORT: postgres,
      DATA_DIR: dataDir,
    },
  );
  const output = () => log.output;

  try {
    expect(output()).toContain('all stores ready');
    expect(output()).toContain(`north-store`);
    expect(output()).toContain(`http://localhost:${b}`);

    const seeded = await json(`http://127.0.0.1:${a}/inventory`);
    expect(seeded.status).toBe(200);
    expect(seeded.body).toMatchObject({ total: 9, next_cursor: null });
    // The pages of the stores started together may call each other; other origins may not.
    const from = async (origin: string) =>
      (await fetch(`http://127.0.0.1:${a}/inventory`, { headers: { origin } })).headers.get(
        'access-control-allow-origin',
      );
    expect(await from(`http://localhost:${b}`)).toBe(`http://localhost:${b}`);
    expect(await from('http://elsewhere.test')).toBeNull();
    expect(output()).toContain('CORS_ORIGINS=');

    const stackFile = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
      devKeys: { staff: string };
    };
    expect(output()).toContain(stackFile.devKeys.staff);
    const dashboard = await (await fetch(`http://127.0.0.1:${a}/`)).text();
    expect(dashboard).toContain(`content="${stackFile.devKeys.staff}"`);
    const unauthorised = await json(`http://127.0.0.1:${a}/inventory/6E92ZMYYFZ/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ warehouse: 'main-store', change: -5, update_type: 'sale' }),
    });
    expect(unauthorised.status).toBe(401);
    const sale = await json(`http://127.0.0.1:${a}/inventory/6E92ZMYYFZ/update`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stackFile.devKeys.staff}`,
      },
      body: JSON.stringify({ warehouse: 'main-store', change: -5, update_type: 'sale' }),
    });
    expect(sale).toMatchObject({ status: 200, body: { warehouses: { 'main-store': 85 } } });
    const deadlineSeen = Date.now() + 5000;
    let seen: unknown;
    do {
      seen = (await json(`http://127.0.0.1:${b}/inventory/6E92ZMYYFZ`)).body;
    } while (
      (seen as { warehouses: Record<string, number> }).warehouses['main-store'] !== 85 &&
      Date.now() < deadlineSeen
    );
    expect(seen).toMatchObject({ warehouses: { 'main-store': 85 } });
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(output()).toContain('stopped');
  for (const port of [a, b, supabase, postgres])
    expect(await isListening('127.0.0.1', port)).toBe(false);
}, 120_000);

/** Every process below `pid`, from /proc: the stores, PostgREST, Postgres, a Redis it started. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const below: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        below.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return below;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('`npm start` stopped by SIGTERM to its own process, as a supervisor stops it, leaves nothing behind', async () => {
  const dataDir = join(PROJECT_ROOT, '.data', 'test-start-npm');
  const [store, supabase, postgres] = [await freePort(), await freePort(), await freePort()];
  const {
    child: npm,
    log,
    exited,
  } = await startStack('npm', ['start'], {
    STORES: `east-store:${store}`,
    SUPABASE_PORT: supabase,
    POSTGRES_PORT: postgres,
    DATA_DIR: dataDir,
  });
  const output = () => log.output;
  expect(output()).toContain('all stores ready');
  const stack = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
    anonKey: string;
    supabaseUrl: string;
  };
  expect(output()).toContain(`Supabase URL ${stack.supabaseUrl}`);
  expect(output()).toContain(`anon key ${stack.anonKey}`);
  const started = descendants(npm.pid!);
  // npm's script, the store, PostgREST and Postgres at least.
  expect(started.length).toBeGreaterThanOrEqual(4);

  npm.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output()).toContain('stopped');
  expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
  await expect.poll(() => started.filter(alive), { timeout: 10_000 }).toEqual([]);
  for (const port of [store, supabase, postgres])
    expect(await isListening('127.0.0.1', port)).toBe(false);
}, 120_000);
