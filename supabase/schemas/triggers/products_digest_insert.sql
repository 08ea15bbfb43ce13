-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_products.sql).
create trigger products_digest_insert
  after insert on public.products
  referencing new table as new_rows
  for each statement
  execute function stockwire_private.digest_track_products();
