import type { ProductInventory } from '@stockwire/domain';
import type { InventoryDigests } from '../store/inventory.digests.js';
import { digestOf } from './inventory.digest.js';
import type { InventorySync } from './inventory.sync.js';

export interface AntiEntropyOptions {
  /** Time between checks, in milliseconds; 0 turns them off. */
  intervalMs: number;
  /**
   * How long a difference is given to go away by itself (changes on their way through Redis)
   * before the cache is audited, in milliseconds.
   */
  settleMs: number;
  log: (message: string, error?: unknown) => void;
}

export const DIGEST_RESULTS = ['match', 'repaired', 'failed'] as const;
export type DigestResult = (typeof DIGEST_RESULTS)[number];

/** What the check reports on `GET /health`. */
export interface DigestHealth {
  interval_ms: number;
  checks: number;
  /** Checks that found a difference that did not settle, and audited the cache. */
  audits: number;
  failures: number;
  last_check_at: string | null;
  last_result: DigestResult | null;
}

/**
 * Anti-entropy: every `intervalMs` compares a digest of the cache with the database's. A difference
 * that outlives `settleMs` (not just a change still on its way) makes the sync audit the cache
 * against a full read, which repairs what is wrong and refetches what is behind. This is what
 * repairs a change whose message was lost and that no later message about the same row revealed.
 */
export class AntiEntropy {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private checks = 0;
  private audits = 0;
  private failures = 0;
  private lastCheckAt: Date | null = null;
  private lastResult: DigestResult | null = null;

  constructor(
    private readonly views: () => readonly ProductInventory[],
    private readonly sync: Pick<InventorySync, 'audit'>,
    private readonly database: InventoryDigests,
    private readonly options: AntiEntropyOptions,
  ) {}

  start(): void {
    if (this.options.intervalMs > 0) this.next();
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check().then(() => this.next());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Whether the cache and the database agree right now. */
  private async agree(): Promise<boolean> {
    const truth = await this.database.digest();
    return truth.digest === digestOf(this.views()).digest;
  }

  /** One check, and the audit it calls for. Never throws. */
  async check(): Promise<DigestResult> {
    let result: DigestResult;
    try {
      let agreed = await this.agree();
      if (!agreed) {
        await new Promise((r) => setTimeout(r, this.options.settleMs));
        agreed = await this.agree();
      }
      if (agreed) {
        result = 'match';
      } else {
        this.audits++;
        const found = await this.sync.audit();
        this.options.log(
          `digest differed from the database: ${found.wrong} product(s) repaired, ${found.behind} behind refetched if still behind`,
        );
        result = 'repaired';
      }
    } catch (error) {
      this.failures++;
      if (this.lastResult !== 'failed') this.options.log('digest check failed', error);
      result = 'failed';
    }
    this.checks++;
    this.lastCheckAt = new Date();
    this.lastResult = result;
    return result;
  }

  health(): DigestHealth {
    return {
      interval_ms: this.options.intervalMs,
      checks: this.checks,
      audits: this.audits,
      failures: this.failures,
      last_check_at: this.lastCheckAt?.toISOString() ?? null,
      last_result: this.lastResult,
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
