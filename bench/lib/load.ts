import { performance } from 'node:perf_hooks';
import { Latencies, type LatencySummary } from './latency.js';
import { RawHttpConnection, type RawResponse } from './raw-http.js';

/** One request to make: where to send it and its bytes. */
export interface PlannedRequest {
  /** Port of the server on 127.0.0.1. */
  port: number;
  bytes: Buffer;
}

/** What a load run measured. */
export interface LoadResult {
  requests: number;
  /** Completed requests per second over the measured window. */
  perSecond: number;
  /** Responses by HTTP status; `error` counts requests that got no response. */
  statuses: Record<string, number>;
  latency: LatencySummary;
  /** CPU seconds this load generator process used during the run. */
  cpuSeconds: number;
  seconds: number;
  /** Open loop only: requests not sent because too many were outstanding. */
  dropped?: number;
}

const now = () => performance.now();
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** What a run measured: its latencies and statuses over `seconds`, and the CPU used since `cpu`. */
function loadResult(
  latency: Latencies,
  statuses: Record<string, number>,
  cpu: NodeJS.CpuUsage,
  seconds: number,
): LoadResult {
  return {
    requests: latency.count,
    perSecond: latency.count / seconds,
    statuses,
    latency: latency.summary(),
    cpuSeconds: cpuSeconds(cpu),
    seconds,
  };
}

export interface ClosedLoopOptions {
  /** Connections, each with one request in flight at a time. */
  connections: number;
  /** The port connection `i` talks to. */
  portOf: (connection: number) => number;
  /** The next request on connection `i`. */
  next: (connection: number) => Buffer;
  durationMs: number;
  /** Requests completed in this first stretch are not measured. @default 0 */
  warmupMs?: number;
  onResponse?: (connection: number, response: RawResponse) => void;
  /** A request that got no response (its outcome is unknown); the connection is reopened. */
  onError?: (connection: number) => void;
}

/** Each connection sends its next request as soon as the previous one is answered. */
export async function closedLoop(opts: ClosedLoopOptions): Promise<LoadResult> {
  const conns = await Promise.all(
    Array.from({ length: opts.connections }, (_, i) => RawHttpConnection.open(opts.portOf(i))),
  );
  const latency = new Latencies();
  const statuses: Record<string, number> = {};
  const start = now();
  const measureFrom = start + (opts.warmupMs ?? 0);
  const end = measureFrom + opts.durationMs;
  let cpu = process.cpuUsage();
  let cpuTaken = false;
  const run = async (i: number, conn: RawHttpConnection) => {
    for (;;) {
      const sent = now();
      if (sent >= end) return;
      if (!cpuTaken && sent >= measureFrom) {
        cpuTaken = true;
        cpu = process.cpuUsage();
      }
      let status = 'error';
      try {
        const res = await conn.send(opts.next(i));
        status = String(res.status);
        opts.onResponse?.(i, res);
      } catch {
        opts.onError?.(i);
        conns[i] = conn = await RawHttpConnection.open(opts.portOf(i));
      }
      const done = now();
      if (sent >= measureFrom) {
        latency.add(done - sent);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
  };
  await Promise.all(conns.map((c, i) => run(i, c)));
  const seconds = (now() - Math.max(measureFrom, start)) / 1000;
  conns.forEach((c) => c.close());
  return loadResult(latency, statuses, cpu, seconds);
}

export interface OpenLoopOptions {
  /** Requests per second, sent on schedule whether or not earlier ones were answered. */
  rate: number;
  durationMs: number;
  /** The `i`-th request of the run. */
  next: (i: number) => PlannedRequest;
  /** Connections per port at most; requests beyond them wait (and their wait counts). @default 256 */
  maxConnectionsPerPort?: number;
  /**
   * Requests due but unanswered at most; past it the server is overloaded and the requests due
   * meanwhile are not sent (counted as `dropped`), so that the run stays bounded in time.
   * @default two seconds' worth
   */
  maxOutstanding?: number;
  /** `dueAt` is when the request was due, so time spent waiting for a connection counts. */
  onResponse?: (i: number, response: RawResponse, dueAt: number, answeredAt: number) => void;
}

/**
 * Sends requests at a fixed rate and measures each from when it was due, not from when it was
 * sent, so a slow server cannot hide its queueing (no coordinated omission).
 */
export async function openLoop(opts: OpenLoopOptions): Promise<LoadResult> {
  const maxPerPort = opts.maxConnectionsPerPort ?? 256;
  const idle = new Map<number, RawHttpConnection[]>();
  const open = new Map<number, number>();
  const queued = new Map<number, Array<() => void>>();
  const latency = new Latencies();
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const cpu = process.cpuUsage();

  const acquire = async (port: number): Promise<RawHttpConnection> => {
    // A connection the server closed while it sat idle (keep-alive timeout) is dropped here, so
    // a request is never counted as failed for being sent on it.
    for (let free = idle.get(port)?.pop(); free; free = idle.get(port)?.pop()) {
      if (free.usable) return free;
      free.close();
      open.set(port, (open.get(port) ?? 1) - 1);
    }
    if ((open.get(port) ?? 0) < maxPerPort) {
      open.set(port, (open.get(port) ?? 0) + 1);
      return RawHttpConnection.open(port);
    }
    await new Promise<void>((resolve) => {
      let q = queued.get(port);
      if (!q) queued.set(port, (q = []));
      q.push(resolve);
    });
    return acquire(port);
  };
  const release = (port: number, conn: RawHttpConnection | null) => {
    if (conn) {
      let list = idle.get(port);
      if (!list) idle.set(port, (list = []));
      list.push(conn);
    } else {
      open.set(port, (open.get(port) ?? 1) - 1);
    }
    queued.get(port)?.shift()?.();
  };

  const fire = (i: number, dueAt: number) => {
    const { port, bytes } = opts.next(i);
    const task = (async () => {
      const conn = await acquire(port);
      let status = 'error';
      let kept: RawHttpConnection | null = conn;
      try {
        const res = await conn.send(bytes);
        const answeredAt = now();
        status = String(res.status);
        latency.add(answeredAt - dueAt);
        opts.onResponse?.(i, res, dueAt, answeredAt);
      } catch {
        conn.close();
        kept = null;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      release(port, kept);
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const maxOutstanding = opts.maxOutstanding ?? Math.max(64, opts.rate * 2);
  let dropped = 0;
  const start = now();
  const total = Math.floor((opts.rate * opts.durationMs) / 1000);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - start) * opts.rate) / 1000) + 1);
    for (; sent < due; sent++) {
      if (inFlight.size >= maxOutstanding) dropped++;
      else fire(sent, start + (sent * 1000) / opts.rate);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  const seconds = (now() - start) / 1000;
  for (const list of idle.values()) list.forEach((c) => c.close());
  return { ...loadResult(latency, statuses, cpu, seconds), dropped };
}
