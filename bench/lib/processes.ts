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

/** A bench server in a process of its own, once it has said which port it listens on. */
interface ForkedServer {
  child: ChildProcess;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function forkServer(script: string, start?: unknown): Promise<ForkedServer> {
  const child = fork(join(PROJECT_ROOT, script), [], {
    execArgv: TSX,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    if (start !== undefined) child.send(start as object);
  });
  return {
    child,
    port,
    pid: child.pid!,
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
  const encoded = [...bodies].map(([path, body]) => [path, body.toString('base64')] as const);
  return forkServer('bench/load/bare-http.server.ts', {
    bodies: Object.fromEntries(encoded) as Record<string, string>,
  });
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

/** The bare Socket.IO fan-out server (`load/bare-socketio.server.ts`), in a process of its own. */
export interface BareFeed {
  port: number;
  pid: number;
  /** Emits `rate` updates a second to the locations' rooms; resolves with each one's due time. */
  emit(p: {
    products: string[];
    locations: string[];
    rate: number;
    durationMs: number;
  }): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function forkBareFeed(): Promise<BareFeed> {
  const server = await forkServer('bench/load/bare-socketio.server.ts');
  return {
    ...server,
    emit: (p) =>
      new Promise((resolve) => {
        server.child.once('message', (m: { sent: Record<string, number> }) => resolve(m.sent));
        server.child.send({ emit: p });
      }),
  };
}
