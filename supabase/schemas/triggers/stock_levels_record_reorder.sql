-- Every write of a stock row that may cross its reorder point: see tables/stock_alerts.sql. The
-- conditions keep the trigger off the rows that have no point, which are most.
create trigger stock_levels_record_reorder
  after update of on_hand, reserved, in_transit, reorder_point on public.stock_levels
  for each row
  when (new.on_hand - new.reserved + new.in_transit < new.reorder_point
        and old.on_hand - old.reserved + old.in_transit >= old.reorder_point)
  execute function public.record_reorder_alert();
