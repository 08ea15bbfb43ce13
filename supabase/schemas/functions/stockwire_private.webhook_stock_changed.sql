-- `stock.changed` for a ledger row, with the fields of the socket `update`. The product's totals
-- are the other locations' rows as they stand plus this row's quantity after the change, so each
-- ledger row of a batch reports the quantity it left.
create function stockwire_private.webhook_stock_changed()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_other record;
  v_reserved integer;
begin
  if not stockwire_private.wants_webhook('stock.changed') then
    return null;
  end if;
  select coalesce(sum(s.on_hand), 0) as on_hand, coalesce(sum(s.reserved), 0) as reserved,
         coalesce(sum(s.version), 0) as version
    into v_other
    from public.stock_levels s
   where s.product_id = new.product_id and s.location <> new.location;
  select s.reserved into v_reserved
    from public.stock_levels s
   where s.product_id = new.product_id and s.location = new.location;
  v_reserved := coalesce(v_reserved, 0);
  perform stockwire_private.enqueue_webhook(
    'stock.changed', 'ledger_' || new.id, new.product_id, new.location,
    jsonb_build_object(
      'product_id', new.product_id,
      'warehouse', new.location,
      'quantity', new.new_quantity,
      'change', new.change,
      -- Committing a hold takes it off reserved as it leaves on hand.
      'reserved_change', case when new.reservation_id is not null then new.change else 0 end,
      'update_type', new.update_type,
      'version', new.version,
      'product_version', v_other.version + new.version,
      'timestamp', new.created_at,
      'total_stock', v_other.on_hand + new.new_quantity,
      'reserved_stock', v_other.reserved + v_reserved,
      'available_stock', v_other.on_hand + new.new_quantity - v_other.reserved - v_reserved,
      'store', new.store,
      'event_id', new.id,
      'order_id', new.order_id,
      'reservation_id', new.reservation_id));
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_stock_changed() from public, anon, authenticated, service_role;
