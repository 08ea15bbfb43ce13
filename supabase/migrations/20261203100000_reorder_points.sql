-- Reorder points per product and location, the reorder_needed alert (recorded once per crossing,
-- delivered as the webhook event reorder.needed), and set_reorder_point, which sets them.
alter table public.stock_levels
  add column reorder_point integer not null default 0 check (reorder_point >= 0),
  add column reorder_quantity integer not null default 0 check (reorder_quantity >= 0);

alter table public.stock_alerts drop constraint stock_alerts_kind_check;
alter table public.stock_alerts
  add constraint stock_alerts_kind_check check (kind in ('low_stock', 'back_in_stock', 'reorder_needed'));

-- `stock.low` and `stock.back_in_stock` for a recorded low-stock alert, `reorder.needed` for a
-- recorded reorder crossing (its `threshold` is the reorder point).
create or replace function stockwire_private.webhook_stock_alert()
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

-- Every write of a stock row that may cross its reorder point: see tables/stock_alerts.sql. The
-- conditions keep the trigger off the rows that have no point, which are most.
create trigger stock_levels_record_reorder
  after update of on_hand, reserved, in_transit, reorder_point on public.stock_levels
  for each row
  when (new.on_hand - new.reserved + new.in_transit < new.reorder_point
        and old.on_hand - old.reserved + old.in_transit >= old.reorder_point)
  execute function public.record_reorder_alert();

-- A stock row made with its position already below its reorder point: see tables/stock_alerts.sql.
create trigger stock_levels_record_reorder_new
  after insert on public.stock_levels
  for each row
  when (new.on_hand - new.reserved + new.in_transit < new.reorder_point)
  execute function public.record_reorder_alert();

