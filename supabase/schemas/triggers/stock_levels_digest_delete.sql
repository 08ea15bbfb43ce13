-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_stock.sql).
create trigger stock_levels_digest_delete
  after delete on public.stock_levels
  referencing old table as old_rows
  for each statement
  execute function stockwire_private.digest_track_stock();
