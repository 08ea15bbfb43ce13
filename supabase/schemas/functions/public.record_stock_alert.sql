-- Records a low-stock alert when an update of a stock row crosses its product's threshold; see
-- tables/stock_alerts.sql. Run by the trigger stock_levels_record_alert.
create function public.record_stock_alert()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_threshold integer;
  v_before integer := old.on_hand - old.reserved;
  v_after integer := new.on_hand - new.reserved;
begin
  select p.low_stock_threshold into v_threshold from public.products p where p.id = new.product_id;
  if (v_before < v_threshold) is distinct from (v_after < v_threshold) then
    insert into public.stock_alerts
      (product_id, location, kind, available, on_hand, reserved, threshold, version)
    values
      (new.product_id, new.location,
       case when v_after < v_threshold then 'low_stock' else 'back_in_stock' end,
       v_after, new.on_hand, new.reserved, v_threshold, new.version);
  end if;
  return null;
end;
$$;

revoke execute on function public.record_stock_alert() from public, anon, authenticated, service_role;
