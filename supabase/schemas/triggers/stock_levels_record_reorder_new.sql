-- A stock row made with its position already below its reorder point: see tables/stock_alerts.sql.
create trigger stock_levels_record_reorder_new
  after insert on public.stock_levels
  for each row
  when (new.on_hand - new.reserved + new.in_transit < new.reorder_point)
  execute function public.record_reorder_alert();
