-- `stock.low` and `stock.back_in_stock` for a recorded low-stock alert, `reorder.needed` for a
-- recorded reorder crossing (its `threshold` is the reorder point).
create function stockwire_private.webhook_stock_alert()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_type text := case new.kind
                    when 'low_stock' then 'stock.low'
                    when 'reorder_needed' then 'reorder.needed'
                    else 'stock.back_in_stock'
                  end;
begin
  if stockwire_private.wants_webhook(v_type) then
    perform stockwire_private.enqueue_webhook(
      v_type, 'alert_' || new.id, new.product_id, new.location,
      jsonb_build_object(
        'alert_id', new.id,
        'product_id', new.product_id,
        'warehouse', new.location,
        'kind', new.kind,
        'available', new.available,
        'on_hand', new.on_hand,
        'reserved', new.reserved,
        'threshold', new.threshold,
        'version', new.version,
        'timestamp', new.created_at));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_stock_alert() from public, anon, authenticated, service_role;
