import type { ProductStock } from '@stockwire/domain';
import type { Bucket, BucketDigests } from '../sync/bucket.digest.js';

/** The database's per-bucket digests, and how many buckets it splits the products into. */
export interface DatabaseDigests {
  buckets: number;
  digests: BucketDigests;
}

/** A scrub's answer: the buckets' digests from the tables, and those whose kept digest was wrong. */
export interface ScrubbedDigests extends DatabaseDigests {
  /** Buckets whose digest the database kept did not match its tables (a write with triggers off). */
  reset: Bucket[];
}

/** The database's side of the anti-entropy check. */
export interface InventoryDigests {
  /** Every bucket's digest as the database keeps it: cheap, costs what was written since last time. */
  bucketDigests(): Promise<DatabaseDigests>;
  /** The given buckets' digests computed from the tables; sets right a kept digest that was wrong. */
  scrubBuckets(buckets: readonly Bucket[]): Promise<ScrubbedDigests>;
  /** Every product of the given buckets with its stock, as the database holds them. */
  loadBuckets(buckets: readonly Bucket[]): Promise<ProductStock[]>;
}
