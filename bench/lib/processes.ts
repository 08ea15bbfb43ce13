import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import type { TaskName, TaskReply, TaskRequest, Tasks } from '../load/protocol.js';

const TSX = ['--import', 'tsx'];

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
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

/** The bare `node:http` server serving each path its bytes, in a process of its own. */
export async function forkBareServer(
  bodies: ReadonlyMap<string, Buffer>,
): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = fork(join(PROJECT_ROOT, 'bench/load/bare-http.server.ts'), [], {
    execArgv: TSX,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
    const encoded = [...bodies].map(([path, body]) => [path, body.toString('base64')] as const);
    child.send({ bodies: Object.fromEntries(encoded) as Record<string, string> });
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
