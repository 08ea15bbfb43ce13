-- Every write of a stock row: ledgers an external one and announces what no store publishes; see
-- functions/stockwire_private.announce_stock_write.sql.
create trigger stock_levels_announce
  after insert or update on public.stock_levels
  for each row
  execute function stockwire_private.announce_stock_write();
