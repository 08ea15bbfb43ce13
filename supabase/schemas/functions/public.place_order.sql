-- Takes stock for every line of an order in one transaction, or for none.
-- Input: {order_id, lines: [{product_id, location, quantity}], store, request_id?, idempotency?}.
-- Output: {ok: true, order_id, lines, changes, expired}, {ok: true, duplicate: true, ...} for an
-- order_id applied before (each order is applied at most once), or
-- {ok: false, code, line: {index, product_id, location, available}} with nothing taken.
create function public.place_order(p_order jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_existing public.orders;
  v_line jsonb;
  v_index integer := 0;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
  v_result jsonb;
  v_code text;
  v_detail text;
begin
  v_claim := stockwire_private.idem_claim(p_order -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  if jsonb_typeof(p_order -> 'lines') is distinct from 'array' or jsonb_array_length(p_order -> 'lines') = 0 then
    raise exception 'lines must be a non-empty JSON array' using errcode = '22023';
  end if;

  select * into v_existing from public.orders o where o.order_id = p_order ->> 'order_id';
  if found then
    return stockwire_private.idem_store(p_order -> 'idempotency', jsonb_build_object(
      'ok', true, 'duplicate', true, 'order_id', v_existing.order_id, 'lines', v_existing.lines,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  perform stockwire_private.lock_rows(p_order -> 'lines');
  begin
    for v_line in select value from jsonb_array_elements(p_order -> 'lines') loop
      if not exists (select 1 from public.products p where p.id = v_line ->> 'product_id') then
        raise exception 'product_not_found' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_line ->> 'location', 'available', 0)::text;
      end if;
      v_code := stockwire_private.location_refusal(v_line ->> 'location');
      if v_code is not null then
        raise exception '%', v_code using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_line ->> 'location', 'available', 0)::text;
      end if;
      v_move := stockwire_private.apply_move(
        v_line ->> 'product_id', v_line ->> 'location', -(v_line ->> 'quantity')::integer, 0, false, 'sale',
        p_order ->> 'store', p_order ->> 'request_id', p_order ->> 'actor', p_order ->> 'order_id', null);
      if not (v_move ->> 'ok')::boolean then
        raise exception '%', v_move ->> 'code' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_line ->> 'location', 'available', v_move -> 'available')::text;
      end if;
      v_changes := v_changes || (v_move -> 'changes');
      v_expired := v_expired || (v_move -> 'expired');
      v_index := v_index + 1;
    end loop;
    insert into public.orders (order_id, lines, store, request_id, actor)
    values (p_order ->> 'order_id', p_order -> 'lines', coalesce(p_order ->> 'store', 'unknown'),
            p_order ->> 'request_id', p_order ->> 'actor');
    v_result := jsonb_build_object('ok', true, 'order_id', p_order ->> 'order_id', 'lines', p_order -> 'lines',
                                   'changes', v_changes, 'expired', v_expired);
  exception when sqlstate 'SW409' then
    -- Everything this order did is rolled back to here: nothing was taken.
    get stacked diagnostics v_code = message_text, v_detail = pg_exception_detail;
    v_result := jsonb_build_object('ok', false, 'code', v_code, 'order_id', p_order ->> 'order_id',
                                   'line', v_detail::jsonb, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  when unique_violation then
    -- The same order_id committed by a concurrent call: it was applied once, by that call.
    v_result := jsonb_build_object('ok', true, 'duplicate', true, 'order_id', p_order ->> 'order_id',
                                   'lines', p_order -> 'lines', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  end;
  return stockwire_private.idem_store(p_order -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.place_order(jsonb) from public, anon, authenticated;
grant execute on function public.place_order(jsonb) to service_role;
