import { fork, spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, PROJECT_ROOT } from '@stockwire/local-stack';
import type { TaskName, TaskReply, TaskRequest, Tasks } from '../load/protocol.js';

const TSX = ['--import', 'tsx'];

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stop(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(force);
}

/** A store instance running as a child process (apps/api/src/main.ts). */
export interface StoreProcess {
  name: string;
  port: number;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StoreSpawnOptions {
  name: string;
  env: Record<string, string>;
  logDir: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
}

/** Starts a store as `npm start` does and resolves once it serves requests. */
export async function spawnStore(opts: StoreSpawnOptions): Promise<StoreProcess> {
  const port = await freePort();
  // The store logs straight to its file: relaying it would cost this process CPU under load.
  const log = await open(join(opts.logDir, `${opts.name}.log`), 'w');
  const child = spawn(
    process.execPath,
    [...(opts.nodeFlags ?? []), ...TSX, join(PROJECT_ROOT, 'apps/api/src/main.ts')],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        ...opts.env,
        STORE_NAME: opts.name,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  await log.close();
  const url = `http://127.0.0.1:${port}`;
  const store: StoreProcess = {
    name: opts.name,
    port,
    url,
    pid: child.pid!,
    stop: () => stop(child),
  };
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${opts.name} exited during start-up; see its log`);
    }
    const ready = await fetch(`${url}/ready`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) return store;
    if (Date.now() > deadline) {
      await store.stop();
      throw new Error(`${opts.name} was not ready within a minute; see its log`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The load generator process; tasks run there one at a time. */
export interface LoadWorker {
  pid: number;
  run<K extends TaskName>(task: K, params: Tasks[K]['params']): Promise<Tasks[K]['result']>;
  stop(): Promise<void>;
}

export function forkLoadWorker(): LoadWorker {
  const child = fork(join(PROJECT_ROOT, 'bench/load/worker.ts'), [], {
    execArgv: TSX,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (reply: TaskReply) => {
    const w = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.ok) w?.resolve(reply.result);
    else w?.reject(new Error(`load task failed: ${reply.error}`));
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load worker exited (${code})`));
    waiting.clear();
  });
  return {
    pid: child.pid!,
    run: <K extends TaskName>(task: K, params: Tasks[K]['params']) =>
      new Promise<Tasks[K]['result']>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
        child.send({ id, task, params } satisfies TaskRequest<K>);
      }),
    stop: async () => {
      const done = exited(child);
      if (child.connected) child.disconnect();
      await done;
    },
  };
}

/** The bare `node:http` server serving `body`, in a process of its own. */
export async function forkBareServer(
  body: Buffer,
): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = fork(join(PROJECT_ROOT, 'bench/load/bare-http.server.ts'), [], {
    execArgv: TSX,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
    child.send({ body: body.toString('base64') });
  });
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      const done = exited(child);
      if (child.connected) child.disconnect();
      await done;
    },
  };
}

/** Resident memory of a process in bytes (Linux), or null where it cannot be read. */
export async function residentBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'latin1');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
