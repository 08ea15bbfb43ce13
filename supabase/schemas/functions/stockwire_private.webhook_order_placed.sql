-- `order.placed`, once per order (place_order records each order id once).
create function stockwire_private.webhook_order_placed()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if stockwire_private.wants_webhook('order.placed') then
    perform stockwire_private.enqueue_webhook(
      'order.placed', 'order_' || new.order_id, null, null,
      jsonb_build_object(
        'order_id', new.order_id,
        'lines', new.lines,
        'store', new.store,
        'timestamp', new.created_at));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_order_placed() from public, anon, authenticated, service_role;
