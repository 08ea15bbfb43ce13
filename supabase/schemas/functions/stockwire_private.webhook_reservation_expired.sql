-- `reservation.expired`, when a hold's time ran out and it was released.
create function stockwire_private.webhook_reservation_expired()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if stockwire_private.wants_webhook('reservation.expired') then
    perform stockwire_private.enqueue_webhook(
      'reservation.expired', 'reservation_' || new.id || '_expired', new.product_id, new.location,
      jsonb_build_object(
        'reservation_id', new.id,
        'product_id', new.product_id,
        'warehouse', new.location,
        'quantity', new.quantity,
        'order_id', new.order_id,
        'timestamp', now()));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_reservation_expired() from public, anon, authenticated, service_role;
