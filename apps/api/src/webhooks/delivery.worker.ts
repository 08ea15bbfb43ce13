import type { Logger } from '../telemetry/logger.js';
import { decide, type RetryOptions } from './retry.policy.js';
import type { WebhookSender } from './webhook.sender.js';
import type { AttemptResult, ClaimedDelivery, WebhookStore } from './webhook.store.js';

export interface DeliveryWorkerOptions {
  /** This worker's name in claims and the attempts log: the store instance's id. */
  worker: string;
  /** How often the outbox is looked at when the last look found nothing due. */
  pollMs: number;
  /** Most deliveries claimed, and sent at once, per look. */
  batch: number;
  /** How long a claim holds; a worker that dies mid-delivery frees its deliveries after it. */
  leaseSeconds: number;
  /** An endpoint failing this long with no success is disabled. */
  disableAfterSeconds: number;
  retry: RetryOptions;
  log: Logger;
}

/** What the worker reports, for the metrics. */
export interface DeliveryStats {
  /** Attempts made by this worker, by what they came to. */
  results: Record<'delivered' | 'retry' | 'failed', number>;
  /** Deliveries pending cluster-wide at the last look. */
  queued: number;
  /** When the oldest pending delivery was queued, at the last look; null for none. */
  oldestAt: string | null;
  /** Durations of this worker's attempts, in ms. */
  onAttempt: ((ms: number) => void) | null;
}

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
    const claim = await this.store.claimDeliveries(
      this.o.worker,
      this.o.batch,
      this.o.leaseSeconds,
    );
    this.stats.queued = claim.queued;
    this.stats.oldestAt = claim.oldest_at;
    if (claim.deliveries.length === 0) return false;
    const results = await Promise.all(claim.deliveries.map((d) => this.attempt(d)));
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
