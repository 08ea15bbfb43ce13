import type { Logger } from '../telemetry/logger.js';
import { decide, type RetryOptions } from './retry.policy.js';
import type { WebhookSender } from './webhook.sender.js';
import type { AttemptResult, ClaimedDelivery, WebhookStore } from './webhook.store.js';

export interface DeliveryWorkerOptions {
  /** This worker's name in claims and the attempts log: the store instance's id. */
  worker: string;
  /** How often the outbox is looked at when the last look found nothing due. */
  pollMs: number;
  /** Most keys (endpoint and product) claimed, and sent to at once, per look. */
  batch: number;
  /** Most deliveries of one key claimed per look, sent one after another. */
  perKey: number;
  /** How long a claim holds; a worker that dies mid-delivery frees its deliveries after it. */
  leaseSeconds: number;
  /** The most one attempt takes: a key's next delivery is sent only while the lease has room for it. */
  timeoutMs: number;
  /** An endpoint failing this long with no success is disabled. */
  disableAfterSeconds: number;
  retry: RetryOptions;
  log: Logger;
}

/** What the worker reports, for the metrics. */
export interface DeliveryStats {
  /** Attempts made by this worker, by what they came to. */
  results: Record<'delivered' | 'retry' | 'failed', number>;
  /** Deliveries pending cluster-wide at the last count. */
  queued: number;
  /** When the oldest pending delivery was queued, at the last count; null for none. */
  oldestAt: string | null;
  /** Durations of this worker's attempts, in ms. */
  onAttempt: ((ms: number) => void) | null;
}

/** How often the outbox's depth and oldest event are counted, which costs with the backlog. */
const QUEUE_STATS_MS = 5000;

/** Claimed deliveries of one endpoint and product, oldest first. */
const keyOf = (d: ClaimedDelivery) => `${d.endpoint_id}\u0000${d.product_id ?? ''}`;

/**
 * Delivers webhooks from the outbox. Every store runs one; they share the work through the
 * database (claims under a lease), never through memory, so a store that stops or dies leaves
 * nothing undelivered: another claims what it held once the lease runs out.
 */
export class DeliveryWorker {
  readonly stats: DeliveryStats = {
    results: { delivered: 0, retry: 0, failed: 0 },
    queued: 0,
    oldestAt: null,
    onAttempt: null,
  };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private countedAt = -Infinity;

  constructor(
    private readonly store: WebhookStore,
    private readonly sender: WebhookSender,
    private readonly o: DeliveryWorkerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops looking for work and waits for the attempts in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.sender.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .then((full) => this.schedule(full ? 0 : this.o.pollMs))
        .catch((error: unknown) => {
          this.o.log('webhook delivery round failed', error);
          this.schedule(this.o.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * One look at the outbox: claim, send, record. True when it found work: the next look then comes
   * at once, since each delivery made may have made the next of its endpoint and product due.
   */
  private async round(): Promise<boolean> {
    await this.countQueue();
    const claimedAt = performance.now();
    const claim = await this.store.claimDeliveries(
      this.o.worker,
      this.o.batch,
      this.o.perKey,
      this.o.leaseSeconds,
    );
    if (claim.deliveries.length === 0) return false;
    const keys = new Map<string, ClaimedDelivery[]>();
    for (const d of claim.deliveries) {
      const run = keys.get(keyOf(d));
      if (run) run.push(d);
      else keys.set(keyOf(d), [d]);
    }
    // A key's next attempt starts only while it would end inside the lease, with a margin.
    const sendBefore = claimedAt + this.o.leaseSeconds * 1000 - this.o.timeoutMs - 1000;
    const results = (
      await Promise.all([...keys.values()].map((run) => this.sendRun(run, sendBefore)))
    ).flat();
    const finished = await this.store.finishAttempts(
      this.o.worker,
      results,
      this.o.disableAfterSeconds,
    );
    for (const f of finished) {
      if (f.endpoint_disabled)
        this.o.log(
          `webhook endpoint disabled after failing for too long (delivery ${f.delivery_id})`,
        );
    }
    return true;
  }

  /** The outbox's depth and oldest event, for the metrics, every {@link QUEUE_STATS_MS}. */
  private async countQueue(): Promise<void> {
    if (performance.now() - this.countedAt < QUEUE_STATS_MS) return;
    this.countedAt = performance.now();
    try {
      const stats = await this.store.queueStats();
      this.stats.queued = stats.queued;
      this.stats.oldestAt = stats.oldest_at;
    } catch (error) {
      // The metrics wait for the next count; deliveries do not wait for the metrics.
      this.o.log('webhook queue count failed', error);
    }
  }

  /**
   * Sends one key's deliveries in order, one at a time. Once one is to be retried, those after it
   * must wait for it, so they are released unsent, as are those the lease has no room left for.
   */
  private async sendRun(run: ClaimedDelivery[], sendBefore: number): Promise<AttemptResult[]> {
    const results: AttemptResult[] = [];
    let blocked = false;
    for (const d of run) {
      if (blocked || performance.now() > sendBefore) {
        results.push(released(d));
        continue;
      }
      const result = await this.attempt(d);
      results.push(result);
      blocked = result.outcome === 'retry';
    }
    return results;
  }

  private async attempt(d: ClaimedDelivery): Promise<AttemptResult> {
    const sent = await this.sender.send(d.url, d.secret, d.message_id, d.body);
    const { outcome, retryInMs } = decide(sent, d.attempts, Date.parse(d.created_at), this.o.retry);
    this.stats.results[outcome] += 1;
    this.stats.onAttempt?.(sent.durationMs);
    return {
      attempt_id: d.attempt_id,
      delivery_id: d.delivery_id,
      outcome,
      status_code: sent.status,
      duration_ms: sent.durationMs,
      error: sent.error,
      response: sent.response,
      retry_in_ms: retryInMs,
    };
  }
}

/** A claimed delivery given back unsent. */
const released = (d: ClaimedDelivery): AttemptResult => ({
  attempt_id: d.attempt_id,
  delivery_id: d.delivery_id,
  outcome: 'released',
  status_code: null,
  duration_ms: 0,
  error: null,
  response: null,
  retry_in_ms: null,
});
