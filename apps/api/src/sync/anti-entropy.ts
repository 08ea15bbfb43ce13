import type { InventoryDigests } from '../store/inventory.digests.js';
import {
  bucketOf,
  DIGEST_BUCKETS,
  differingBuckets,
  type Bucket,
  type BucketDigests,
} from './bucket.digest.js';
import type { InventoryCache } from './inventory.cache.js';
import type { InventorySync } from './inventory.sync.js';

export interface AntiEntropyOptions {
  /** Time between checks, in milliseconds; 0 turns them off. */
  intervalMs: number;
  /**
   * How long a difference is given to go away by itself (changes on their way through Redis)
   * before the cache is audited, in milliseconds.
   */
  settleMs: number;
  /**
   * Buckets each check also reads from the tables rather than from the digests the database keeps,
   * in turn, starting at `scrubFrom`: what finds a write made with the database's triggers off.
   * @default 8
   */
  scrubBuckets?: number;
  /** The first bucket scrubbed; stores starting at different ones share the round. @default 0 */
  scrubFrom?: Bucket;
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
  /** Buckets the products are split into; a check reads again only those that differ. */
  buckets: number;
  /** Buckets that differed from the database at the last check's first look. */
  last_differing_buckets: number;
  /** Buckets read from the tables so far, to find writes made with the triggers off. */
  scrubbed_buckets: number;
  /** Buckets whose kept digest the scrubs found wrong and set right (writes with triggers off). */
  scrub_resets: number;
}

/**
 * Anti-entropy, bucket by bucket: every `intervalMs` compares the digest of each bucket of products
 * as the database keeps it (triggers fold every write in) with the same digest of the cache, and
 * scrubs a few buckets from the tables themselves. The buckets that differ are looked at again
 * after `settleMs` (a change may still be on its way), from the tables; those that still differ are
 * audited: their products alone are read and the cache repaired. So a check costs what changed, not
 * a read of all stock, and still repairs a change whose message was lost and that no later message
 * revealed, wherever it is.
 */
export class AntiEntropy {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private checks = 0;
  private audits = 0;
  private failures = 0;
  private lastCheckAt: Date | null = null;
  private lastResult: DigestResult | null = null;
  private lastDiffering = 0;
  private scrubbed = 0;
  private scrubResets = 0;
  private nextScrub: Bucket;

  constructor(
    private readonly cache: Pick<InventoryCache, 'bucketDigests'>,
    private readonly sync: Pick<InventorySync, 'audit'>,
    private readonly database: InventoryDigests,
    private readonly options: AntiEntropyOptions,
  ) {
    this.nextScrub = (options.scrubFrom ?? 0) % DIGEST_BUCKETS;
  }

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

  /** The next buckets of the scrub's round. */
  private scrubRound(): Bucket[] {
    const count = Math.min(this.options.scrubBuckets ?? 8, DIGEST_BUCKETS);
    const round = Array.from({ length: count }, (_, i) => (this.nextScrub + i) % DIGEST_BUCKETS);
    this.nextScrub = (this.nextScrub + count) % DIGEST_BUCKETS;
    return round;
  }

  private counted(buckets: number): void {
    if (buckets !== DIGEST_BUCKETS) {
      throw new Error(
        `the database splits the digest into ${buckets} buckets, not ${DIGEST_BUCKETS}`,
      );
    }
  }

  /** The buckets among `among` whose digest from the tables differs from the cache's. */
  private async stillDiffering(among: ReadonlySet<Bucket>): Promise<Set<Bucket>> {
    const truth = await this.database.scrubBuckets([...among]);
    this.counted(truth.buckets);
    this.scrubResets += truth.reset.length;
    return differingBuckets(truth.digests, this.cache.bucketDigests(among), among);
  }

  /** The buckets that differ at a first look: every kept digest, and a scrub round. */
  private async firstLook(): Promise<Set<Bucket>> {
    const kept = await this.database.bucketDigests();
    this.counted(kept.buckets);
    const mine: BucketDigests = this.cache.bucketDigests();
    const differing = differingBuckets(kept.digests, mine);
    const round = this.scrubRound();
    const scrub = await this.database.scrubBuckets(round);
    this.counted(scrub.buckets);
    this.scrubbed += round.length;
    this.scrubResets += scrub.reset.length;
    for (const bucket of differingBuckets(scrub.digests, mine, round)) differing.add(bucket);
    return differing;
  }

  /** One check, and the audit it calls for. Never throws. */
  async check(): Promise<DigestResult> {
    let result: DigestResult;
    try {
      let differing = await this.firstLook();
      this.lastDiffering = differing.size;
      if (differing.size > 0) {
        await new Promise((r) => setTimeout(r, this.options.settleMs));
        differing = await this.stillDiffering(differing);
      }
      if (differing.size === 0) {
        result = 'match';
      } else {
        this.audits++;
        const buckets = [...differing];
        const found = await this.sync.audit({
          includes: (id) => differing.has(bucketOf(id)),
          load: () => this.database.loadBuckets(buckets),
        });
        this.options.log(
          `digest of ${buckets.length} bucket(s) differed from the database: ${found.wrong} product(s) repaired, ${found.behind} behind refetched if still behind`,
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
      buckets: DIGEST_BUCKETS,
      last_differing_buckets: this.lastDiffering,
      scrubbed_buckets: this.scrubbed,
      scrub_resets: this.scrubResets,
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
