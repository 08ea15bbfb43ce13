-- Adds a product with optional initial stock per location; the initial stock is recorded in the
-- ledger as restocks so that the ledger always explains the stock rows.
-- Input: {id, name, description, low_stock_threshold, stock: {location: quantity}, store, request_id?,
-- idempotency?}.
-- Output: {ok: true, product, levels}, {ok: false, code: 'location_not_found' | 'location_inactive',
-- location} for the first stock location that may not be written (nothing is), or
-- {ok: false, code: 'product_exists'}, or a replay/mismatch of
-- an earlier request with the same idempotency key (stockwire_private.idem_claim).
create function public.create_product(product jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
-- Marks its writes of stock rows as the functions' own: see stockwire_private.version_external_write.
set stockwire.writer = 'create_product'
as $$
declare
  v_product public.products;
  v_level public.stock_levels;
  v_levels jsonb := '[]'::jsonb;
  v_stock record;
  v_claim jsonb;
  v_refused record;
begin
  v_claim := stockwire_private.idem_claim(product -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;

  select l.location, stockwire_private.location_refusal(l.location) as code into v_refused
    from jsonb_object_keys(coalesce(product -> 'stock', '{}'::jsonb)) l(location)
   where stockwire_private.location_refusal(l.location) is not null
   order by l.location
   limit 1;
  if found then
    return stockwire_private.idem_store(product -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_refused.code, 'location', v_refused.location));
  end if;

  insert into public.products (id, name, description, low_stock_threshold)
  values (product ->> 'id', product ->> 'name', coalesce(product ->> 'description', ''),
          coalesce((product ->> 'low_stock_threshold')::integer, 10))
  on conflict (id) do nothing
  returning * into v_product;

  if not found then
    return stockwire_private.idem_store(product -> 'idempotency',
                                        jsonb_build_object('ok', false, 'code', 'product_exists'));
  end if;

  for v_stock in
    select key as location, value::integer as quantity
      from jsonb_each_text(coalesce(product -> 'stock', '{}'::jsonb))
     order by key
  loop
    insert into public.stock_levels (product_id, location, on_hand)
    values (v_product.id, v_stock.location, v_stock.quantity)
    returning * into v_level;

    if v_stock.quantity > 0 then
      insert into public.inventory_events
        (product_id, location, update_type, change, previous_quantity, new_quantity, version, request_id, store, actor)
      values
        (v_product.id, v_stock.location, 'restock', v_stock.quantity, 0, v_stock.quantity, v_level.version,
         product ->> 'request_id', coalesce(product ->> 'store', 'unknown'), product ->> 'actor');
    end if;

    v_levels := v_levels || jsonb_build_array(jsonb_build_object(
      'location', v_level.location,
      'on_hand', v_level.on_hand,
      'reserved', v_level.reserved,
      'version', v_level.version,
      'updated_at', v_level.updated_at));
  end loop;

  return stockwire_private.idem_store(product -> 'idempotency', jsonb_build_object(
    'ok', true,
    'product', jsonb_build_object(
      'id', v_product.id,
      'name', v_product.name,
      'description', v_product.description,
      'low_stock_threshold', v_product.low_stock_threshold),
    'levels', v_levels));
end;
$$;

revoke execute on function public.create_product(jsonb) from public, anon, authenticated;
grant execute on function public.create_product(jsonb) to service_role;
