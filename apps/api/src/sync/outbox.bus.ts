import type { InventoryMessage } from '@stockwire/domain';
import type { UpdateBus, UpdateBusHandlers } from './updates.bus.js';

export interface OutboxOptions {
  /**
   * How often held messages are tried again while any are held, in milliseconds.
   * @default 500
   */
  retryMs?: number;
  /**
   * Most messages held; beyond it the oldest are dropped (other stores still get those changes by
   * their resync after the outage or their next digest check).
   * @default 10000
   */
  capacity?: number;
  log: (message: string, error?: unknown) => void;
}

/** What the outbox reports on `GET /health`. */
export interface OutboxHealth {
  /** Committed changes whose publish failed and that wait for Redis. */
  queued: number;
  failed_publishes: number;
  republished: number;
  dropped: number;
}

/**
 * An {@link UpdateBus} whose `publish` never fails: committed changes that Redis did not take are
 * held and tried again until it does. The database already has every change it holds, so nothing here is the truth: the outbox
 * only brings the news sooner than the other stores' resync (after they reconnect) or digest check
 * would. It lives in memory: if this process dies, what it held is lost, and the other stores learn
 * those changes from that resync or check instead.
 */
export class OutboxUpdateBus implements UpdateBus {
  private readonly held: InventoryMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  private failed = 0;
  private republished = 0;
  private dropped = 0;

  constructor(
    private readonly bus: UpdateBus,
    private readonly options: OutboxOptions,
  ) {}

  /** Publishes now, or holds the message for a retry if Redis does not take it; never rejects. */
  publish(message: InventoryMessage): Promise<void> {
    return this.bus.publish(message).catch((error: unknown) => {
      this.failed++;
      if (this.held.length === 0) {
        this.options.log('publish failed; holding changes until Redis takes them', error);
      }
      this.hold(message);
    });
  }

  private hold(message: InventoryMessage): void {
    this.held.push(message);
    const capacity = this.options.capacity ?? 10_000;
    while (this.held.length > capacity) {
      this.held.shift();
      this.dropped++;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().then(() => {
        if (this.held.length > 0) this.schedule();
      });
    }, this.options.retryMs ?? 500);
  }

  /** Publishes what is held, oldest first, until Redis refuses one; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      let sent = 0;
      try {
        while (this.held.length > 0) {
          await this.bus.publish(this.held[0]!);
          this.held.shift();
          sent++;
          this.republished++;
        }
      } catch {
        // Still down; the next round tries again.
      } finally {
        this.flushing = null;
        if (sent > 0 && this.held.length === 0) {
          this.options.log(`Redis is back: published ${sent} held change(s)`);
        }
      }
    })();
    return this.flushing;
  }

  /** Tries to publish what is held until nothing is, or `timeoutMs` passes (shutdown). */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.held.length > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.held.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.held.length > 0) {
      this.options.log(
        `stopping with ${this.held.length} change(s) unpublished; other stores get them by resync`,
      );
    }
  }

  get size(): number {
    return this.held.length;
  }

  health(): OutboxHealth {
    return {
      queued: this.held.length,
      failed_publishes: this.failed,
      republished: this.republished,
      dropped: this.dropped,
    };
  }

  subscribe(handlers: UpdateBusHandlers): Promise<void> {
    return this.bus.subscribe(handlers);
  }

  isConnected(): boolean {
    return this.bus.isConnected();
  }

  /** Stops retrying (call {@link drain} first to publish what is held) and closes Redis. */
  close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.bus.close();
  }
}
