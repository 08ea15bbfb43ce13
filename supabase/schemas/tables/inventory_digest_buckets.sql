-- The anti-entropy digest kept per bucket of products (a bucket is a slice of the products by a hash
-- of their id: stockwire_private.digest_bucket_of). Each bucket holds how many products and stock
-- rows it has and the XOR of a 64-bit hash of each one's line (see digest_truth), so that a change
-- is folded in by XORing the old line's hash out and the new one's in. Brought up to date from
-- inventory_digest_deltas by inventory_bucket_digests; set from the tables by inventory_digest_scrub.
create table stockwire_private.inventory_digest_buckets (
  bucket integer primary key,
  products bigint not null,
  stock_rows bigint not null,
  hash bigint not null
);

revoke all on stockwire_private.inventory_digest_buckets from public, anon, authenticated, service_role;
