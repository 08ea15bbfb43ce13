-- Ends a hold: 'commit' turns it into a sale, 'release' gives the units back.
-- Input: {reservation_id, action, store, request_id?, idempotency?}.
-- Output: {ok: true, reservation, changes, expired} or {ok: false, code, reservation?, changes, expired}.
create function public.finish_reservation(request jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_id uuid;
  v_hold public.reservations;
  v_action text := request ->> 'action';
  v_move jsonb;
  v_result jsonb;
begin
  v_claim := stockwire_private.idem_claim(request -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  begin
    v_id := (request ->> 'reservation_id')::uuid;
  exception when invalid_text_representation then
    v_id := null;
  end;
  select * into v_hold from public.reservations r where r.id = v_id;
  if not found or v_action not in ('commit', 'release') then
    return stockwire_private.idem_store(request -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', case when found then 'invalid_change' else 'reservation_not_found' end,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  -- Stock row first, then the hold: the lock order every function keeps.
  perform 1 from public.stock_levels s
   where s.product_id = v_hold.product_id and s.location = v_hold.location for update;
  select * into v_hold from public.reservations r where r.id = v_id for update;

  if v_hold.status = 'held' and v_hold.expires_at <= now() then
    -- Its time is up: release it (and any other expired hold there) and say so.
    v_move := stockwire_private.apply_move(v_hold.product_id, v_hold.location, 0, 0, false, 'expire',
                                           request ->> 'store', request ->> 'request_id', request ->> 'actor', null, null);
    select * into v_hold from public.reservations r where r.id = v_id;
    v_result := jsonb_build_object('ok', false, 'code', 'reservation_expired', 'reservation', to_jsonb(v_hold),
                                   'changes', v_move -> 'changes', 'expired', v_move -> 'expired');
  elsif v_hold.status <> 'held' then
    v_result := jsonb_build_object('ok', false, 'code', 'reservation_' || v_hold.status, 'reservation', to_jsonb(v_hold),
                                   'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  else
    v_move := stockwire_private.apply_move(
      v_hold.product_id, v_hold.location,
      case when v_action = 'commit' then -v_hold.quantity else 0 end, -v_hold.quantity, false,
      case when v_action = 'commit' then 'sale' else 'release' end,
      request ->> 'store', request ->> 'request_id', request ->> 'actor', v_hold.order_id, v_hold.id);
    update public.reservations r
       set status = case when v_action = 'commit' then 'committed' else 'released' end, updated_at = now()
     where r.id = v_id
    returning * into v_hold;
    v_result := jsonb_build_object('ok', true, 'reservation', to_jsonb(v_hold),
                                   'changes', v_move -> 'changes', 'expired', v_move -> 'expired');
  end if;
  return stockwire_private.idem_store(request -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.finish_reservation(jsonb) from public, anon, authenticated;
grant execute on function public.finish_reservation(jsonb) to service_role;
