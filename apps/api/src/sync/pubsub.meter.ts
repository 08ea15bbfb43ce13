import type { InventoryMessage } from '@stockwire/domain';

/** What arrived over the bus, as reported on `GET /health`. */
export interface PubsubHealth {
  received: number;
  invalid: number;
  last_received_at: string | null;
  /** From a message's publication to its receipt here (clocks of both hosts), last and smoothed. */
  last_lag_ms: number | null;
  avg_lag_ms: number | null;
}

/** Counts the messages received from the bus and how late they came. */
export class PubsubMeter {
  private received = 0;
  private lastReceivedAt: Date | null = null;
  private lastLagMs: number | null = null;
  private avgLagMs: number | null = null;

  /** One message received at `now`; its `timestamp` is when it was published. */
  record(message: InventoryMessage, now: number): void {
    this.received++;
    this.lastReceivedAt = new Date(now);
    const sent = Date.parse(message.timestamp);
    if (Number.isFinite(sent)) {
      const lag = Math.max(0, now - sent);
      this.lastLagMs = lag;
      this.avgLagMs = this.avgLagMs === null ? lag : this.avgLagMs * 0.9 + lag * 0.1;
    }
  }

  /** The report, with the count of invalid messages, which the bus adapter rejects before us. */
  health(invalid: number): PubsubHealth {
    return {
      received: this.received,
      invalid,
      last_received_at: this.lastReceivedAt?.toISOString() ?? null,
      last_lag_ms: this.lastLagMs,
      avg_lag_ms: this.avgLagMs === null ? null : Math.round(this.avgLagMs * 10) / 10,
    };
  }
}
