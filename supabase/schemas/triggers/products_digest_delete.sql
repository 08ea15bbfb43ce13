-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_products.sql).
create trigger products_digest_delete
  after delete on public.products
  referencing old table as old_rows
  for each statement
  execute function stockwire_private.digest_track_products();
