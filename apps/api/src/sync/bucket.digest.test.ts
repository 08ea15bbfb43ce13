import { levelAt, product } from '@stockwire/domain/fixtures';
import { describe, expect, it } from 'vitest';
import {
  bucketDigestsOf,
  bucketOf,
  DIGEST_BUCKETS,
  differingBuckets,
  productHash,
} from './bucket.digest.js';

const rows = [levelAt('main-store', 5, 2), levelAt('mall-store', 0, 1)];

describe('bucket digests', () => {
  it('puts every product in one bucket of the count', () => {
    const buckets = ['P1', 'P2', 'OLJCESPC7Z', 'a-b_c'].map(bucketOf);
    for (const b of buckets) expect(b).toBeGreaterThanOrEqual(0);
    for (const b of buckets) expect(b).toBeLessThan(DIGEST_BUCKETS);
    expect(bucketOf('P1')).toBe(bucketOf('P1'));
  });

  it("gives a product the same share whatever the order of its rows, and another for any row's change", () => {
    const hash = productHash(product, rows);
    expect(productHash(product, [...rows].reverse())).toBe(hash);
    expect(productHash(product, [levelAt('main-store', 5, 3), rows[1]!])).not.toBe(hash);
    expect(productHash(product, [levelAt('main-store', 4, 2), rows[1]!])).not.toBe(hash);
    expect(productHash({ ...product, name: 'Cup' }, rows)).not.toBe(hash);
  });

  it('sums shares by bucket, and a row taken out and put back leaves the digest as it was', () => {
    const one = productHash(product, rows);
    const digests = bucketDigestsOf([{ bucket: 3, rows: 2, hash: one }]);
    const twice = bucketDigestsOf([
      { bucket: 3, rows: 2, hash: one },
      { bucket: 3, rows: 0, hash: 0n },
    ]);
    expect(digests.get(3)).toMatchObject({
      products: 1,
      rows: 2,
      hash: BigInt.asUintN(64, one).toString(16),
    });
    expect(twice.get(3)).toMatchObject({ products: 2, rows: 2, hash: digests.get(3)!.hash });
  });

  it('names the buckets that differ, on either side, and only those', () => {
    const a = bucketDigestsOf([
      { bucket: 1, rows: 1, hash: 1n },
      { bucket: 2, rows: 1, hash: 2n },
    ]);
    const b = bucketDigestsOf([
      { bucket: 2, rows: 1, hash: 3n },
      { bucket: 5, rows: 1, hash: 5n },
    ]);
    expect([...differingBuckets(a, b)].sort()).toEqual([1, 2, 5]);
    expect([...differingBuckets(a, a)]).toEqual([]);
    expect([...differingBuckets(a, b, [5, 7])]).toEqual([5]);
  });
});
