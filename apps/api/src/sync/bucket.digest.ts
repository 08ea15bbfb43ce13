import { createHash } from 'node:crypto';
import type { Product, ProductId, StockLevel } from '@stockwire/domain';

/**
 * How many buckets the digest splits the products into; the database's
 * `stockwire_private.digest_bucket_count()` says the same, and a check refuses one that does not.
 */
export const DIGEST_BUCKETS = 1024;

/** A bucket number, 0 to {@link DIGEST_BUCKETS} − 1. */
export type Bucket = number;

/** What two holders compare of one bucket: its products, its stock rows and their hashes, XORed. */
export interface BucketDigest {
  products: number;
  rows: number;
  /** The XOR of the 64-bit hashes of every line, as unpadded lower-case hex (Postgres's `to_hex`). */
  hash: string;
}

/** The digest of every bucket that is not empty. */
export type BucketDigests = ReadonlyMap<Bucket, BucketDigest>;

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest();

/** The bucket of a product: the first 16 bits of md5(id), modulo the bucket count. */
export function bucketOf(id: ProductId): Bucket {
  return md5(id).readUInt16BE(0) % DIGEST_BUCKETS;
}

/** A line's share of its bucket's hash: the first 64 bits of its md5, signed as Postgres reads them. */
const lineHash = (line: string): bigint => md5(line).readBigInt64BE(0);

/** Each row's line hash, kept while the row is (a change replaces the row), with its product. */
const rowHashes = new WeakMap<StockLevel, { product: ProductId; hash: bigint }>();

function rowHash(product: ProductId, l: StockLevel): bigint {
  const kept = rowHashes.get(l);
  if (kept?.product === product) return kept.hash;
  const hash = lineHash(`${product}\t${l.location}=${l.on_hand}/${l.reserved}@${l.version}`);
  rowHashes.set(l, { product, hash });
  return hash;
}

/**
 * What a product adds to its bucket's hash: the XOR of the hashes of its line
 * (`id TAB name TAB description TAB low_stock_threshold`) and of each stock row's line
 * (`product_id TAB location=on_hand/reserved@version`), exactly as the SQL functions
 * `stockwire_private.digest_line_product` and `digest_line_stock` write them.
 */
export function productHash(product: Product, levels: Iterable<StockLevel>): bigint {
  let hash = lineHash(
    `${product.id}\t${product.name}\t${product.description}\t${product.low_stock_threshold}`,
  );
  // A row's hash is worked out once: after a change, only the changed row is hashed again.
  for (const l of levels) hash ^= rowHash(product.id, l);
  return hash;
}

/** One product's share of its bucket's digest. */
export interface ProductShare {
  bucket: Bucket;
  rows: number;
  hash: bigint;
}

/** Sums the shares of products into the digests of their buckets. */
export function bucketDigestsOf(shares: Iterable<ProductShare>): Map<Bucket, BucketDigest> {
  const sums = new Map<Bucket, { products: number; rows: number; hash: bigint }>();
  for (const share of shares) {
    const sum = sums.get(share.bucket);
    if (sum) {
      sum.products++;
      sum.rows += share.rows;
      sum.hash ^= share.hash;
    } else {
      sums.set(share.bucket, { products: 1, rows: share.rows, hash: share.hash });
    }
  }
  const digests = new Map<Bucket, BucketDigest>();
  for (const [bucket, s] of sums) {
    digests.set(bucket, {
      products: s.products,
      rows: s.rows,
      hash: BigInt.asUintN(64, s.hash).toString(16),
    });
  }
  return digests;
}

const same = (a: BucketDigest | undefined, b: BucketDigest | undefined) =>
  a?.products === b?.products && a?.rows === b?.rows && a?.hash === b?.hash;

/** The buckets among `among` (default: every bucket either side has) whose digests differ. */
export function differingBuckets(
  a: BucketDigests,
  b: BucketDigests,
  among?: Iterable<Bucket>,
): Set<Bucket> {
  const differing = new Set<Bucket>();
  for (const bucket of among ?? new Set([...a.keys(), ...b.keys()])) {
    if (!same(a.get(bucket), b.get(bucket))) differing.add(bucket);
  }
  return differing;
}
