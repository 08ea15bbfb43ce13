-- Every write of a stock row: versions the ones that did not come through the functions; see
-- functions/stockwire_private.version_external_write.sql.
create trigger stock_levels_version_external
  before insert or update on public.stock_levels
  for each row
  execute function stockwire_private.version_external_write();
