import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Every Stockwire metric name starts with this. */
export const METRIC_PREFIX = 'stockwire_';

type Named<C> = Omit<C, 'name' | 'registers'> & { name: string };

/**
 * One store instance's Prometheus metrics, served at `GET /metrics`. Each instance has its own
 * registry (several instances may share a process, as in the tests). Modules add their own
 * metrics with {@link counter}, {@link gauge} and {@link histogram}; names get the
 * `stockwire_` prefix.
 */
export class StoreMetrics {
  readonly registry = new Registry();

  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly changesWritten: Counter<'update_type'>;
  readonly changesRefused: Counter<'code'>;
  readonly messagesPublished: Counter<'type'>;
  readonly publishFailures: Counter<'type'>;
  readonly messagesReceived: Counter<'type'>;
  readonly pubsubLag: Histogram;
  readonly alerts: Counter<'kind'>;

  constructor(store: string) {
    this.registry.setDefaultLabels({ store });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = this.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route template and status, and how long they took',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.changesWritten = this.counter({
      name: 'stock_changes_written_total',
      help: 'Stock changes this instance committed to the database, by update type',
      labelNames: ['update_type'],
    });
    this.changesRefused = this.counter({
      name: 'stock_changes_refused_total',
      help: 'Stock changes the database refused (nothing written), by reason',
      labelNames: ['code'],
    });
    this.messagesPublished = this.counter({
      name: 'messages_published_total',
      help: 'Messages this instance published on the inventory channel',
      labelNames: ['type'],
    });
    this.publishFailures = this.counter({
      name: 'publish_failures_total',
      help: 'Messages this instance failed to publish (other instances repair by version)',
      labelNames: ['type'],
    });
    this.messagesReceived = this.counter({
      name: 'messages_received_total',
      help: 'Valid messages received from the inventory channel, this instance’s own included',
      labelNames: ['type'],
    });
    this.pubsubLag = this.histogram({
      name: 'pubsub_lag_seconds',
      help: 'From publish to receipt of inventory messages (clocks of different hosts included)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.alerts = this.counter({
      name: 'stock_alerts_total',
      help: 'Low-stock crossings caused by changes this instance made',
      labelNames: ['kind'],
    });
  }

  counter<L extends string>(config: Named<CounterConfiguration<L>>): Counter<L> {
    return new Counter({
      ...config,
      name: METRIC_PREFIX + config.name,
      registers: [this.registry],
    });
  }

  gauge<L extends string>(config: Named<GaugeConfiguration<L>>): Gauge<L> {
    return new Gauge({ ...config, name: METRIC_PREFIX + config.name, registers: [this.registry] });
  }

  histogram<L extends string>(config: Named<HistogramConfiguration<L>>): Histogram<L> {
    return new Histogram({
      ...config,
      name: METRIC_PREFIX + config.name,
      registers: [this.registry],
    });
  }

  /** A gauge read from the running system at each scrape, per label value. */
  readGauge<L extends string>(
    name: string,
    help: string,
    read: () => number | Partial<Record<string, number>>,
    labelName?: L,
  ): void {
    this.gauge({
      name,
      help,
      labelNames: labelName ? [labelName] : [],
      collect() {
        const value = read();
        if (typeof value === 'number') return void this.set(value);
        for (const [label, v] of Object.entries(value)) {
          if (labelName && v !== undefined) this.set({ [labelName]: label } as never, v);
        }
      },
    });
  }

  /** A counter kept elsewhere as a plain number (e.g. `sync.resyncs`), read at each scrape. */
  readCounter(name: string, help: string, read: () => number): void {
    this.counter({
      name,
      help,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** Counters kept elsewhere as plain numbers, one per label value, read at each scrape. */
  readCounters<L extends string>(
    name: string,
    help: string,
    read: () => Record<string, number>,
    labelName: L,
  ): void {
    this.counter({
      name,
      help,
      labelNames: [labelName],
      collect() {
        this.reset();
        for (const [label, v] of Object.entries(read()))
          this.inc({ [labelName]: label } as never, v);
      },
    });
  }

  /** The exposition: Prometheus text format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** What an instance reports about its state at each scrape. */
export interface InstanceState {
  cacheProducts: () => number;
  clients: () => Record<'socketio' | 'ws', number>;
  ready: () => boolean;
  resyncs: () => number;
  invalidMessages: () => number;
  /** Per group-committed function: calls made and the items (changes, holds) they carried. */
  groupCommits?: () => Record<string, { calls: number; items: number }>;
}

/** Registers the gauges and counters read from a running instance's state. */
export function watchInstance(metrics: StoreMetrics, state: InstanceState): void {
  metrics.readGauge('cache_products', 'Products in this instance’s cache', state.cacheProducts);
  metrics.readGauge(
    'connected_clients',
    'Realtime clients connected to this instance',
    state.clients,
    'transport',
  );
  metrics.readGauge('ready', '1 once the cache is loaded and in sync', () =>
    state.ready() ? 1 : 0,
  );
  metrics.readCounter('resyncs_total', 'Reloads of products from the database', state.resyncs);
  metrics.readCounter(
    'invalid_messages_total',
    'Messages on the inventory channel dropped as invalid',
    state.invalidMessages,
  );
  const { groupCommits } = state;
  if (groupCommits) {
    const each = (field: 'calls' | 'items') => () =>
      Object.fromEntries(Object.entries(groupCommits()).map(([fn, c]) => [fn, c[field]]));
    metrics.readCounters(
      'group_commit_calls_total',
      'Group-committed database calls made, by function',
      each('calls'),
      'function',
    );
    metrics.readCounters(
      'group_commit_items_total',
      'Items (stock changes, holds) those calls carried, by function; items ÷ calls is the batch size',
      each('items'),
      'function',
    );
  }
}
