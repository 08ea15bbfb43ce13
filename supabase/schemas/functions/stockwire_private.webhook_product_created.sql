-- `product.created`. Its initial stock follows as `stock.changed` (restock) events, in that order.
create function stockwire_private.webhook_product_created()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if stockwire_private.wants_webhook('product.created') then
    perform stockwire_private.enqueue_webhook(
      'product.created', 'product_' || new.id, new.id, null,
      jsonb_build_object(
        'product_id', new.id,
        'name', new.name,
        'description', new.description,
        'low_stock_threshold', new.low_stock_threshold,
        'timestamp', new.created_at));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_product_created() from public, anon, authenticated, service_role;
