import type { LatencySummary } from '../lib/latency.js';
import type { LoadResult } from '../lib/load.js';

/** A store as the load generator sees it. */
export interface StoreTarget {
  name: string;
  port: number;
}

/** Accepted changes per `product|location`: how many and their sum, to check the ledger against. */
export type AcceptedChanges = Record<string, { count: number; sum: number }>;

export interface WriteLoadResult extends LoadResult {
  accepted: AcceptedChanges;
  /** Requests whose outcome is unknown (no response): the ledger check cannot be exact if > 0. */
  unknown: number;
}

export interface FanoutResult {
  writes: LoadResult;
  /** Clients connected, and those that could not connect. */
  clients: number;
  failedClients: number;
  /** Write response → `update` event at a client on another store. */
  latency: LatencySummary;
  /** Events that arrived before their write's response (counted as 0 ms above). */
  beforeResponse: number;
  deliveries: number;
  expectedDeliveries: number;
  deliveriesPerSecond: number;
  accepted: AcceptedChanges;
}

export interface RedisFloorResult {
  sent: number;
  received: number;
  latency: LatencySummary;
}

/** Latencies in bins (ms, the bin's lower bound, as text) → how many fell in each. */
export type LatencyHistogram = Record<string, number>;

/** Every task the load worker runs: its parameters and its result. */
export interface Tasks {
  /** `GET path` on every port, closed loop. */
  reads: {
    params: {
      ports: number[];
      path: string;
      connections: number;
      durationMs: number;
      warmupMs: number;
    };
    result: LoadResult;
  };
  /**
   * Writes through the stores' HTTP API: closed loop with `connections`, or open loop at `rate`.
   * Random products at each store's own location, or all on `hot`. `kind`: ±1 stock updates
   * (the default), holds of one unit, one-line orders of one unit, or one-line transfers of one
   * unit from the store's location to the next store's (sent, not received).
   */
  writes: {
    params: {
      kind?: 'update' | 'hold' | 'order' | 'transfer';
      /** The API key the writes carry. */
      key: string;
      stores: StoreTarget[];
      products: string[];
      hot?: { product: string; location: string };
      connections: number;
      rate?: number;
      durationMs: number;
      warmupMs: number;
    };
    result: WriteLoadResult;
  };
  /** One `apply_stock_changes` call per change over direct Postgres connections. */
  sqlDirect: {
    params: {
      databaseUrl: string;
      products: string[];
      locations: string[];
      clients: number;
      durationMs: number;
      warmupMs: number;
    };
    result: WriteLoadResult;
  };
  /** One `rpc/apply_stock_changes` call per change through the gateway and PostgREST. */
  postgrestDirect: {
    params: {
      supabaseUrl: string;
      serviceRoleKey: string;
      products: string[];
      locations: string[];
      connections: number;
      durationMs: number;
      warmupMs: number;
    };
    result: WriteLoadResult;
  };
  /** PUBLISH → subscriber latency on Redis itself. */
  redisFloor: {
    params: { redisUrl: string; rate: number; durationMs: number };
    result: RedisFloorResult;
  };
  /** Socket.IO clients on `listeners`, writes at `rate` through `writer`. */
  fanout: {
    params: {
      key: string;
      writer: StoreTarget;
      listeners: string[];
      clients: number;
      rate: number;
      durationMs: number;
      products: string[];
    };
    result: FanoutResult;
  };
  /** Opens Socket.IO clients on one store and keeps them open. */
  connectionsOpen: {
    params: { url: string; count: number };
    result: { connected: number; failed: number; seconds: number; cpuSeconds: number };
  };
  connectionsClose: { params: Record<string, never>; result: { closed: number } };
  /** Opens narrowed Socket.IO clients on one store, each watching one of `locations`, kept open. */
  chainOpen: {
    params: { url: string; from: number; count: number; locations: string[]; parallel: number };
    result: {
      connected: number;
      failed: number;
      seconds: number;
      cpuSeconds: number;
      /** Bytes of the `snapshot` frames, summed, and the largest. */
      snapshotBytes: number;
      maxSnapshotBytes: number;
    };
  };
  /** Writes at `rate` spread over products and locations, through `writers`. */
  chainWrite: {
    params: {
      key: string;
      writers: StoreTarget[];
      products: string[];
      locations: string[];
      rate: number;
      durationMs: number;
    };
    result: {
      writes: LoadResult;
      /** Wall-clock ms each accepted write was due, by `product|location|version`. */
      sent: Record<string, number>;
      accepted: AcceptedChanges;
    };
  };
  /** Waits for the writes `sent` to reach this process's clients, closes them, and reports. */
  chainCollect: {
    params: { sent: Record<string, number>; settleMs: number; quietMs: number };
    result: {
      expected: number;
      deliveries: number;
      missing: number;
      duplicates: number;
      unexpected: number;
      histogram: LatencyHistogram;
      /** Wall-clock ms the last update arrived. */
      lastArrival: number;
    };
  };
}

export type TaskName = keyof Tasks;

export interface TaskRequest<K extends TaskName = TaskName> {
  id: number;
  task: K;
  params: Tasks[K]['params'];
}

export type TaskReply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
