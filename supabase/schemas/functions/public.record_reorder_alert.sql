-- Records a reorder_needed alert when a write takes a stock row's position (available +
-- in_transit) below its reorder_point from at or above it; see tables/stock_alerts.sql. Run by
-- the trigger stock_levels_record_reorder, under the row lock the write holds, so concurrent
-- writers at any number of stores record one alert per crossing.
create function public.record_reorder_alert()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if new.on_hand - new.reserved + new.in_transit < new.reorder_point
     and (tg_op = 'INSERT' or old.on_hand - old.reserved + old.in_transit >= old.reorder_point) then
    insert into public.stock_alerts
      (product_id, location, kind, available, on_hand, reserved, threshold, version)
    values
      (new.product_id, new.location, 'reorder_needed', new.on_hand - new.reserved, new.on_hand,
       new.reserved, new.reorder_point, new.version);
  end if;
  return null;
end;
$$;

revoke execute on function public.record_reorder_alert() from public, anon, authenticated, service_role;
