-- Holds stock for checkouts. Input: [{product_id, location, quantity, ttl_seconds, client_id?,
-- store, request_id?, idempotency?}]. Output per hold: {ok: true, reservation, changes, expired}
-- or {ok: false, code, available, changes, expired}.
create function public.reserve_stock(reservations jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  r jsonb;
  results jsonb := '[]'::jsonb;
  v_claim jsonb;
  v_result jsonb;
  v_hold public.reservations;
  v_changes jsonb;
  v_code text;
begin
  if jsonb_typeof(reservations) is distinct from 'array' then
    raise exception 'reservations must be a JSON array' using errcode = '22023';
  end if;
  perform stockwire_private.lock_rows(reservations);

  for r in select value from jsonb_array_elements(reservations) loop
    v_claim := stockwire_private.idem_claim(r -> 'idempotency');
    if v_claim is not null then
      results := results || jsonb_build_array(v_claim);
      continue;
    end if;
    if not exists (select 1 from public.products p where p.id = r ->> 'product_id') then
      v_result := jsonb_build_object('ok', false, 'code', 'product_not_found', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    elsif stockwire_private.location_refusal(r ->> 'location') is not null then
      v_code := stockwire_private.location_refusal(r ->> 'location');
      v_result := jsonb_build_object('ok', false, 'code', v_code, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    elsif coalesce((r ->> 'quantity')::integer, 0) <= 0 then
      v_result := jsonb_build_object('ok', false, 'code', 'invalid_change', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    else
      v_hold.id := gen_random_uuid();
      v_result := stockwire_private.apply_move(
        r ->> 'product_id', r ->> 'location', 0, (r ->> 'quantity')::integer, false, 'reserve',
        r ->> 'store', r ->> 'request_id', r ->> 'actor', r ->> 'order_id', v_hold.id);
      if (v_result ->> 'ok')::boolean then
        insert into public.reservations
          (id, product_id, location, quantity, expires_at, client_id, order_id, store, request_id, actor)
        values
          (v_hold.id, r ->> 'product_id', r ->> 'location', (r ->> 'quantity')::integer,
           now() + make_interval(secs => (r ->> 'ttl_seconds')::numeric),
           r ->> 'client_id', r ->> 'order_id', coalesce(r ->> 'store', 'unknown'), r ->> 'request_id', r ->> 'actor')
        returning * into v_hold;
        v_result := v_result || jsonb_build_object('reservation', to_jsonb(v_hold));
      end if;
    end if;
    results := results || jsonb_build_array(stockwire_private.idem_store(r -> 'idempotency', v_result));
  end loop;
  return results;
end;
$$;

revoke execute on function public.reserve_stock(jsonb) from public, anon, authenticated;
grant execute on function public.reserve_stock(jsonb) to service_role;
