-- Sets a product's reorder point and reorder quantity at one location; what the patch leaves out
-- stays as it is. A location without a stock row for the product gets one, with no stock. The
-- row's version goes up like any change of it, so every store's cache takes the new point.
-- Input: product_id, location, patch {reorder_point?, reorder_quantity?}, store.
-- Output: {ok: true, changes: [row change], expired: []} or {ok: false, code} with code
-- product_not_found, location_not_found or location_inactive, and nothing written.
create function public.set_reorder_point(p_product_id text, p_location text, p_patch jsonb, p_store text)
returns jsonb
language plpgsql
security definer set search_path = ''
-- Marks its writes of stock rows as the functions' own: see stockwire_private.version_external_write.
set stockwire.writer = 'set_reorder_point'
as $$
declare
  v_code text;
  v_row public.stock_levels;
  v_point integer := (p_patch ->> 'reorder_point')::integer;
  v_quantity integer := (p_patch ->> 'reorder_quantity')::integer;
begin
  if not exists (select 1 from public.products p where p.id = p_product_id) then
    return jsonb_build_object('ok', false, 'code', 'product_not_found', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  end if;
  v_code := stockwire_private.location_refusal(p_location);
  if v_code is not null then
    return jsonb_build_object('ok', false, 'code', v_code, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  end if;
  insert into public.stock_levels as s (product_id, location, reorder_point, reorder_quantity)
  values (p_product_id, p_location, coalesce(v_point, 0), coalesce(v_quantity, 0))
  on conflict (product_id, location) do update
    set reorder_point = coalesce(v_point, s.reorder_point),
        reorder_quantity = coalesce(v_quantity, s.reorder_quantity),
        version = s.version + 1,
        updated_at = now()
  returning s.* into v_row;
  return jsonb_build_object(
    'ok', true,
    'expired', '[]'::jsonb,
    'changes', jsonb_build_array(jsonb_build_object(
      'product_id', v_row.product_id,
      'location', v_row.location,
      'on_hand', v_row.on_hand,
      'reserved', v_row.reserved,
      'in_transit', v_row.in_transit,
      'reorder_point', v_row.reorder_point,
      'reorder_quantity', v_row.reorder_quantity,
      'version', v_row.version,
      'updated_at', v_row.updated_at,
      'change', 0,
      'reserved_change', 0,
      'update_type', 'reorder_point',
      'event_id', null,
      'order_id', null,
      'reservation_id', null)));
end;
$$;

revoke execute on function public.set_reorder_point(text, text, jsonb, text) from public, anon, authenticated;
grant execute on function public.set_reorder_point(text, text, jsonb, text) to service_role;
