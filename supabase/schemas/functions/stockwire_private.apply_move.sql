-- One guarded movement at (p, l): d_on_hand to on hand, d_reserved to reserved, d_in_transit to
-- what is in transit there, the way every function that moves stock makes it. It locks the stock row, releases the holds at that row whose
-- time is up (so expired holds stop counting at once, whether or not a sweeper has run), applies
-- the change if move_refusal allows it, with one version bump, and writes the ledger row. With
-- may_create, a positive change to on hand or to in transit makes the row if it does not exist.
-- In transit never goes below zero nor past the integer range; a ledger row carries the transfer
-- (p_transfer_id) the movement is a step of.
-- Returns {ok, code?, available?, changes: [row change], expired: [hold]}: the row change for the
-- caller to publish, the holds that expired on the way for the caller to notify.
-- Lock order everywhere: stock rows (sorted by product, location), then reservation rows.
create function stockwire_private.apply_move(
  p text, l text, d_on_hand integer, d_reserved integer, may_create boolean, move_type text,
  p_store text, p_request_id text, p_actor text, p_order_id text, p_reservation_id uuid,
  d_in_transit integer default 0, p_transfer_id text default null)
returns jsonb
language plpgsql
set search_path = ''
-- Marks its writes of stock rows as the functions' own: see stockwire_private.version_external_write.
set stockwire.writer = 'apply_move'
as $$
declare
  v_expired jsonb;
  v_freed integer;
  v_row public.stock_levels;
  v_event bigint;
  v_ok boolean;
  v_code text;
  v_type text := move_type;
begin
  perform 1 from public.stock_levels s where s.product_id = p and s.location = l for update;
  v_expired := stockwire_private.expire_holds(p, l);
  select coalesce(sum((e ->> 'quantity')::integer), 0) into v_freed from jsonb_array_elements(v_expired) e;

  if d_on_hand = 0 and d_reserved = 0 and d_in_transit = 0 and v_freed = 0 then
    return jsonb_build_object('ok', true, 'changes', '[]'::jsonb, 'expired', v_expired);
  end if;

  if may_create and d_on_hand >= 0 and d_in_transit >= 0 and d_on_hand + d_in_transit > 0
     and d_reserved = 0 then
    insert into public.stock_levels as s (product_id, location, on_hand, in_transit)
    values (p, l, d_on_hand, d_in_transit)
    on conflict (product_id, location) do update
      set on_hand = s.on_hand + excluded.on_hand,
          reserved = s.reserved - v_freed,
          in_transit = s.in_transit + excluded.in_transit,
          version = s.version + 1,
          updated_at = now()
      where stockwire_private.move_refusal(s.on_hand, s.reserved - v_freed, excluded.on_hand, 0) is null
        and s.in_transit::bigint + excluded.in_transit <= 2147483647
    returning s.* into v_row;
  else
    update public.stock_levels s
       set on_hand = s.on_hand + d_on_hand,
           reserved = s.reserved - v_freed + d_reserved,
           in_transit = s.in_transit + d_in_transit,
           version = s.version + 1,
           updated_at = now()
     where s.product_id = p
       and s.location = l
       and stockwire_private.move_refusal(s.on_hand, s.reserved - v_freed, d_on_hand, d_reserved) is null
       and s.in_transit::bigint + d_in_transit between 0 and 2147483647
    returning s.* into v_row;
  end if;
  v_ok := found;

  if not v_ok then
    -- The row as it is (none: nothing to move), and why the guard refused the movement.
    select s.* into v_row from public.stock_levels s where s.product_id = p and s.location = l;
    v_code := coalesce(
      stockwire_private.move_refusal(v_row.on_hand, v_row.reserved - v_freed, d_on_hand, d_reserved),
      case when d_in_transit > 0 then 'quantity_out_of_range' else 'insufficient_stock' end);
    if v_freed > 0 then
      -- The movement is refused, but the holds that ran out are released all the same.
      update public.stock_levels s
         set reserved = s.reserved - v_freed, version = s.version + 1, updated_at = now()
       where s.product_id = p and s.location = l
      returning s.* into v_row;
      v_type := 'expire';
      d_on_hand := 0;
      d_reserved := 0;
      d_in_transit := 0;
    else
      return jsonb_build_object(
        'ok', false,
        'code', v_code,
        'available', coalesce(v_row.on_hand - v_row.reserved, 0),
        'changes', '[]'::jsonb,
        'expired', v_expired);
    end if;
  elsif d_on_hand <> 0 then
    insert into public.inventory_events
      (product_id, location, update_type, change, previous_quantity, new_quantity, version,
       request_id, store, actor, order_id, reservation_id, transfer_id)
    values
      (p, l, move_type, d_on_hand, v_row.on_hand - d_on_hand, v_row.on_hand, v_row.version,
       p_request_id, coalesce(p_store, 'unknown'), p_actor, p_order_id, p_reservation_id, p_transfer_id)
    returning id into v_event;
  end if;

  return jsonb_build_object(
    'ok', v_ok,
    'code', v_code,
    'available', v_row.on_hand - v_row.reserved,
    'changes', jsonb_build_array(jsonb_build_object(
      'product_id', v_row.product_id,
      'location', v_row.location,
      'on_hand', v_row.on_hand,
      'reserved', v_row.reserved,
      'in_transit', v_row.in_transit,
      'version', v_row.version,
      'updated_at', v_row.updated_at,
      'change', d_on_hand,
      'reserved_change', d_reserved - v_freed,
      'in_transit_change', d_in_transit,
      'update_type', v_type,
      'event_id', v_event,
      'order_id', p_order_id,
      'reservation_id', p_reservation_id,
      'transfer_id', p_transfer_id)),
    'expired', v_expired);
end;
$$;

revoke execute on function stockwire_private.apply_move(text, text, integer, integer, boolean, text, text, text, text, text, uuid, integer, text) from public, anon, authenticated, service_role;
