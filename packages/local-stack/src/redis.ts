import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { freePort, waitFor } from './ports.js';

/** The fix to print when no Redis can be found or started. */
export const REDIS_INSTALL_HINT =
  'Stockwire needs Redis. Set REDIS_URL, start one on 127.0.0.1:6379, or install redis-server ' +
  '(Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) and run again.';

/** Sends PING and resolves whether the answer was PONG. */
export async function pingRedis(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return redisSays(Number(port || 6379), 'PING', '+PONG', timeoutMs, hostname);
}

/** Sends one inline command and resolves whether the answer starts with `expected`. */
function redisSays(
  port: number,
  command: string,
  expected: string,
  timeoutMs = 500,
  host = '127.0.0.1',
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith(expected)));
    socket.connect(port, host, () => socket.write(`${command}\r\n`));
  });
}

/** A redis-server process this project started; it can be stopped and started again. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the process, as a crash or an outage would (SIGKILL with `kill`). */
  stop(opts?: { kill?: boolean }): Promise<void>;
  /**
   * Starts it again on the same port (after `stop`). With `before`, it first comes up on a port
   * of its own, where `before` gets it alone (to stage what clients will find, e.g. entries added
   * before any consumer is back), then moves to its port.
   */
  start(opts?: { before?: (url: string) => Promise<void> }): Promise<void>;
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts `redis-server` from PATH on `port`, keeping nothing on disk but what `extra` arguments
 * ask for under `dir`, and resolves once it answers PING.
 */
export async function launchRedisServer(
  port: number,
  dir: string,
  extra: readonly string[] = [],
): Promise<ChildProcess> {
  const url = `redis://127.0.0.1:${port}`;
  const proc = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--dir', dir, '--loglevel', 'warning', ...extra],
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  proc.once('exit', () => (exited = true));
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`redis-server could not start on port ${port}`);
      return pingRedis(url);
    }, `redis-server did not answer on ${url}`);
  } catch (error) {
    await stopProcess(proc);
    throw error;
  }
  return proc;
}

/** Stops `proc` (SIGKILL with `kill`, as a crash would) and resolves once it has exited. */
export async function stopProcess(proc: ChildProcess | null, { kill = false } = {}): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(kill ? 'SIGKILL' : 'SIGTERM');
  });
}

/** Starts `redis-server` from PATH on `port` (a free one if omitted), keeping nothing on disk. */
export async function spawnRedis(dir: string, port?: number): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(REDIS_INSTALL_HINT);
  await mkdir(dir, { recursive: true });
  const actualPort = port ?? (await freePort());
  const url = `redis://127.0.0.1:${actualPort}`;
  let child: ChildProcess | null = null;

  const launch = async (listenPort: number) => {
    child = await launchRedisServer(listenPort, dir);
  };

  const start = async ({ before }: { before?: (url: string) => Promise<void> } = {}) => {
    if (!before) return launch(actualPort);
    const staging = await freePort();
    await launch(staging);
    await before(`redis://127.0.0.1:${staging}`);
    // Redis 7 moves its listener at run time, keeping everything in memory.
    if (!(await redisSays(staging, `CONFIG SET port ${actualPort}`, '+OK'))) {
      throw new Error(`redis-server could not move to port ${actualPort}`);
    }
  };

  const stop = async ({ kill = false } = {}) => {
    const proc = child;
    child = null;
    await stopProcess(proc, { kill });
  };

  await launch(actualPort);
  return { url, port: actualPort, start, stop };
}

export interface FoundRedis {
  url: string;
  /** Set when this call started the server. */
  server: RedisServer | null;
}

/**
 * Finds Redis the way Stockwire documents it: `url` if given; else 127.0.0.1:6379 if it
 * answers; else a `redis-server` from PATH started under `dir`; else an error naming the fix.
 * `preferOwn` skips the shared 6379, for tests that must not disturb (or be disturbed by)
 * other users of it.
 */
export async function findOrStartRedis(opts: {
  url?: string;
  dir: string;
  port?: number;
  preferOwn?: boolean;
}): Promise<FoundRedis> {
  if (opts.url) return { url: opts.url, server: null };
  const standard = 'redis://127.0.0.1:6379';
  if (!opts.preferOwn && (await pingRedis(standard))) return { url: standard, server: null };
  if (hasRedisServer()) {
    const server = await spawnRedis(opts.dir, opts.port);
    return { url: server.url, server };
  }
  if (opts.preferOwn && (await pingRedis(standard))) return { url: standard, server: null };
  throw new Error(REDIS_INSTALL_HINT);
}
