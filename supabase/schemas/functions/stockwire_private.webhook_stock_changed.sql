-- `stock.changed` for each ledger row an insert wrote, with the fields of the socket `update`,
-- queued for every enabled endpoint that wants it (the filters of enqueue_webhook). The product's
-- totals are the other locations' rows as they stand plus this row's quantity after the change,
-- so each ledger row of a batch reports the quantity it left. Once per statement, set-based: a
-- batch of changes costs one insert, not a function call and four queries per row.
create function stockwire_private.webhook_stock_changed()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if not stockwire_private.wants_webhook('stock.changed') then
    return null;
  end if;
  insert into public.webhook_deliveries (endpoint_id, message_id, event_type, product_id, payload)
  select e.id, 'ledger_' || n.id, 'stock.changed', n.product_id, b.payload
    from new_rows n
    cross join lateral (
      select coalesce(sum(s.on_hand) filter (where s.location <> n.location), 0) as on_hand,
             coalesce(sum(s.reserved) filter (where s.location <> n.location), 0) as reserved,
             coalesce(sum(s.version) filter (where s.location <> n.location), 0) as version,
             coalesce(sum(s.reserved) filter (where s.location = n.location), 0) as own_reserved
        from public.stock_levels s
       where s.product_id = n.product_id) o
    cross join lateral (
      select jsonb_build_object('type', 'stock.changed', 'timestamp', now(), 'data',
        jsonb_build_object(
          'product_id', n.product_id,
          'warehouse', n.location,
          'quantity', n.new_quantity,
          'change', n.change,
          -- Committing a hold takes it off reserved as it leaves on hand.
          'reserved_change', case when n.reservation_id is not null then n.change else 0 end,
          'update_type', n.update_type,
          'version', n.version,
          'product_version', o.version + n.version,
          'timestamp', n.created_at,
          'total_stock', o.on_hand + n.new_quantity,
          'reserved_stock', o.reserved + o.own_reserved,
          'available_stock', o.on_hand + n.new_quantity - o.reserved - o.own_reserved,
          'store', n.store,
          'event_id', n.id,
          'order_id', n.order_id,
          'reservation_id', n.reservation_id)) as payload) b
    join public.webhook_endpoints e
      on e.enabled
     and 'stock.changed' = any (e.events)
     and (e.locations is null or n.location = any (e.locations))
     and (e.products is null or n.product_id = any (e.products))
   -- Ledger order, then endpoint: the queue order each endpoint's deliveries of a product keep.
   order by n.id, e.id;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_stock_changed() from public, anon, authenticated, service_role;
