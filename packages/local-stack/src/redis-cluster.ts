import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './ports.js';
import { launchRedisServer, stopProcess } from './redis.js';

const run = promisify(execFile);

/** The fix to print when the cluster cannot be started for want of Redis's programs. */
export const REDIS_CLUSTER_INSTALL_HINT =
  'A Redis Cluster needs redis-server and redis-cli 7 or later: ' +
  'sudo apt-get install -y redis-server (Debian/Ubuntu; macOS: brew install redis).';

/** One redis-server of the cluster, which can be killed and started again on its port. */
export interface ClusterServer {
  port: number;
  /** `host:port`, as `REDIS_CLUSTER_NODES` names it. */
  address: string;
  /** Whether its process runs. */
  running(): boolean;
  /** Kills it as a crash would: SIGKILL. */
  kill(): Promise<void>;
  /** Starts it again on its port, from its cluster config: it rejoins (as a replica, if replaced). */
  start(): Promise<void>;
}

/** A Redis Cluster this project started. */
export interface RedisCluster {
  servers: readonly ClusterServer[];
  /** `host:port,…` of every server: the value of `REDIS_CLUSTER_NODES`. */
  nodes: string;
  /** `CLUSTER INFO` of a server, as a map (`cluster_state`, `cluster_slots_ok`, …). */
  info(server: ClusterServer): Promise<Record<string, string>>;
  /** The servers that are masters with slots now, as a running server sees them. */
  masters(): Promise<ClusterServer[]>;
  /** The master that owns `key`'s slot now. */
  masterOf(key: string): Promise<ClusterServer>;
  /** Waits until every running server reports `cluster_state:ok` and all slots served. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function hasPrograms(): boolean {
  return ['redis-server', 'redis-cli'].every(
    (program) => spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0,
  );
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 5000,
  });
  return stdout;
}

/**
 * Shuts down the cluster's servers once this process is gone, however it went: a test runner ends
 * its workers with a signal, which runs no exit handler, and a cluster left running holds six
 * ports and their memory. A shell outside this process polls for it, then shuts down whatever
 * redis-server on the cluster's ports keeps its data under `dir` (a server started again is found
 * too, and a stranger's server on a reused port is left alone).
 */
function guardAgainstOrphans(dir: string, ports: readonly number[]): ChildProcess {
  const script = [
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    'shift',
    'base=$1',
    'shift',
    'for port in "$@"; do',
    '  home=$(redis-cli -p "$port" config get dir 2>/dev/null | tail -n 1)',
    '  case "$home" in "$base"/*) redis-cli -p "$port" shutdown nosave >/dev/null 2>&1;; esac',
    'done',
  ].join('\n');
  const watchdog = spawn(
    'sh',
    ['-c', script, 'redis-cluster-watchdog', String(process.pid), dir, ...ports.map(String)],
    { stdio: 'ignore', detached: true },
  );
  watchdog.unref();
  return watchdog;
}

/**
 * Starts a Redis Cluster from `redis-server` and `redis-cli` on PATH: `masters` masters with
 * `replicas` replicas each, on free ports, nothing persisted but each node's cluster config
 * (under `dir`), and waits until it serves every slot. A failed master is noticed after
 * `nodeTimeoutMs` and its replica promoted.
 */
export async function startRedisCluster(
  dir: string,
  { masters = 3, replicas = 1, nodeTimeoutMs = 1000 } = {},
): Promise<RedisCluster> {
  if (!hasPrograms()) throw new Error(REDIS_CLUSTER_INSTALL_HINT);
  await rm(dir, { recursive: true, force: true });
  const count = masters * (1 + replicas);
  const servers: ClusterServer[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    // The cluster bus has a port of its own, picked free too, rather than port + 10000.
    const busPort = await freePort();
    const home = join(dir, String(port));
    await mkdir(home, { recursive: true });
    let child: ChildProcess | null = null;
    const launch = async () => {
      child = await launchRedisServer(port, home, [
        ...['--cluster-enabled', 'yes', '--cluster-port', String(busPort)],
        ...['--cluster-config-file', join(home, 'nodes.conf')],
        ...['--cluster-node-timeout', String(nodeTimeoutMs)],
      ]);
    };
    const kill = async () => {
      const proc = child;
      child = null;
      await stopProcess(proc, { kill: true });
    };
    servers.push({
      port,
      address: `127.0.0.1:${port}`,
      running: () => child !== null && child.exitCode === null,
      kill,
      start: launch,
    });
  }
  const watchdog = guardAgainstOrphans(
    await realpath(dir),
    servers.map((s) => s.port),
  );
  const stop = async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await rm(dir, { recursive: true, force: true });
    watchdog.kill();
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...servers.map((s) => s.address),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const info = async (server: ClusterServer) => {
    const lines = (await cli(server.port, 'cluster', 'info')).split(/\r?\n/);
    return Object.fromEntries(
      lines.filter((l) => l.includes(':')).map((l) => l.split(':', 2) as [string, string]),
    );
  };
  const live = () => {
    const server = servers.find((s) => s.running());
    if (!server) throw new Error('no server of the cluster is running');
    return server;
  };
  const masterList = async () => {
    // `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>`
    const lines = (await cli(live().port, 'cluster', 'nodes')).split(/\r?\n/).filter(Boolean);
    const ports = lines
      .map((line) => line.split(' '))
      .filter((f) => f[2]?.includes('master') && !f[2].includes('fail') && f.length > 8)
      .map((f) => Number(f[1]?.split('@')[0]?.split(':')[1]));
    return servers.filter((s) => ports.includes(s.port));
  };
  const masterOf = async (key: string) => {
    const slot = Number((await cli(live().port, 'cluster', 'keyslot', key)).trim());
    const lines = (await cli(live().port, 'cluster', 'nodes')).split(/\r?\n/).filter(Boolean);
    for (const f of lines.map((line) => line.split(' '))) {
      if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
      const owns = f.slice(8).some((range) => {
        const [from = -1, to = from] = range.split('-').map(Number);
        return slot >= from && slot <= to;
      });
      const port = Number(f[1]?.split('@')[0]?.split(':')[1]);
      const server = servers.find((s) => s.port === port);
      if (owns && server) return server;
    }
    throw new Error(`no master owns the slot of ${key}`);
  };
  const waitUntilOk = (timeoutMs = 30_000) =>
    waitFor(
      async () => {
        for (const server of servers.filter((s) => s.running())) {
          const state: Record<string, string> = await info(server).catch(() => ({}));
          if (state.cluster_state !== 'ok' || state.cluster_slots_ok !== '16384') return false;
        }
        return true;
      },
      'the Redis Cluster did not reach cluster_state:ok',
      timeoutMs,
    );
  try {
    await waitUntilOk();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    servers,
    nodes: servers.map((s) => s.address).join(','),
    info,
    masters: masterList,
    masterOf,
    waitUntilOk,
    stop,
  };
}
