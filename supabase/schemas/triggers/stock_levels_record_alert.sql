-- Every update of a stock row that changes its available stock: see tables/stock_alerts.sql.
create trigger stock_levels_record_alert
  after update of on_hand, reserved on public.stock_levels
  for each row
  when (old.on_hand - old.reserved is distinct from new.on_hand - new.reserved)
  execute function public.record_stock_alert();
