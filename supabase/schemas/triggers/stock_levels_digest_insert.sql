-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_stock.sql).
create trigger stock_levels_digest_insert
  after insert on public.stock_levels
  referencing new table as new_rows
  for each statement
  execute function stockwire_private.digest_track_stock();
