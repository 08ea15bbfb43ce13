-- What writes did to the per-bucket digests and has not been folded into inventory_digest_buckets
-- yet: one row per bucket a statement touched, appended by the triggers digest_track_products and
-- digest_track_stock. Append-only, so that writers to different products never wait for one
-- another here; inventory_bucket_digests folds the rows into the totals.
create table stockwire_private.inventory_digest_deltas (
  bucket integer not null,
  products bigint not null,
  stock_rows bigint not null,
  hash bigint not null
);

revoke all on stockwire_private.inventory_digest_deltas from public, anon, authenticated, service_role;
