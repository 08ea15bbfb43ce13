-- Sends stock from one location to another: takes every line out of `from` in one transaction,
-- guarded like a sale (never below what is reserved; all lines or none), and puts it in transit on
-- the stock row of `to` (made if it does not exist). Each transfer id is applied at most once.
-- Input: {transfer_id, from, to, lines: [{product_id, quantity}], store, request_id?, actor?,
-- idempotency?}.
-- Output: {ok: true, transfer, changes, expired}; {ok: true, duplicate: true, transfer, ...} for a
-- transfer id made before with the same from, to and lines; or {ok: false, code, field?,
-- location?, line?: {index, product_id, location, available}, transfer?} with nothing written:
-- `transfer_exists` (the id was made with another body), a location refusal of `from` or `to`,
-- `product_not_found`, `insufficient_stock` or `quantity_out_of_range` for a line.
create function public.create_transfer(p_transfer jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_id text := p_transfer ->> 'transfer_id';
  v_from text := p_transfer ->> 'from';
  v_to text := p_transfer ->> 'to';
  v_lines jsonb;
  v_line jsonb;
  v_index integer := 0;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
  v_result jsonb;
  v_code text;
  v_detail text;
begin
  v_claim := stockwire_private.idem_claim(p_transfer -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  if jsonb_typeof(p_transfer -> 'lines') is distinct from 'array'
     or jsonb_array_length(p_transfer -> 'lines') = 0 then
    raise exception 'lines must be a non-empty JSON array' using errcode = '22023';
  end if;
  select jsonb_agg(jsonb_build_object('product_id', x ->> 'product_id',
                                      'quantity', (x ->> 'quantity')::integer) order by n)
    into v_lines
    from jsonb_array_elements(p_transfer -> 'lines') with ordinality as l(x, n);

  v_result := stockwire_private.transfer_replay(v_id, v_from, v_to, v_lines);
  if v_result is not null then
    return stockwire_private.idem_store(p_transfer -> 'idempotency', v_result);
  end if;

  v_code := stockwire_private.location_refusal(v_from);
  if v_code is not null then
    return stockwire_private.idem_store(p_transfer -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_code, 'field', 'from', 'location', v_from,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;
  v_code := stockwire_private.location_refusal(v_to);
  if v_code is not null then
    return stockwire_private.idem_store(p_transfer -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_code, 'field', 'to', 'location', v_to,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  perform stockwire_private.lock_rows(
    (select jsonb_agg(jsonb_build_object('product_id', x ->> 'product_id', 'location', e))
       from jsonb_array_elements(v_lines) x, unnest(array[v_from, v_to]) e));
  begin
    insert into public.transfers (id, from_location, to_location, store, request_id, actor)
    values (v_id, v_from, v_to, coalesce(p_transfer ->> 'store', 'unknown'),
            p_transfer ->> 'request_id', p_transfer ->> 'actor');
    for v_line in select value from jsonb_array_elements(v_lines) loop
      if not exists (select 1 from public.products p where p.id = v_line ->> 'product_id') then
        raise exception 'product_not_found' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_from, 'available', 0)::text;
      end if;
      v_move := stockwire_private.apply_move(
        v_line ->> 'product_id', v_from, -(v_line ->> 'quantity')::integer, 0, false, 'transfer_out',
        p_transfer ->> 'store', p_transfer ->> 'request_id', p_transfer ->> 'actor', null, null,
        0, v_id);
      if not (v_move ->> 'ok')::boolean then
        raise exception '%', v_move ->> 'code' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_from, 'available', v_move -> 'available')::text;
      end if;
      v_changes := v_changes || (v_move -> 'changes');
      v_expired := v_expired || (v_move -> 'expired');
      v_move := stockwire_private.apply_move(
        v_line ->> 'product_id', v_to, 0, 0, true, 'transfer_out',
        p_transfer ->> 'store', p_transfer ->> 'request_id', p_transfer ->> 'actor', null, null,
        (v_line ->> 'quantity')::integer, v_id);
      if not (v_move ->> 'ok')::boolean then
        raise exception '%', v_move ->> 'code' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_to, 'available', v_move -> 'available')::text;
      end if;
      v_changes := v_changes || (v_move -> 'changes');
      v_expired := v_expired || (v_move -> 'expired');
      insert into public.transfer_lines (transfer_id, line, product_id, quantity)
      values (v_id, v_index, v_line ->> 'product_id', (v_line ->> 'quantity')::integer);
      v_index := v_index + 1;
    end loop;
    v_result := jsonb_build_object('ok', true, 'transfer', stockwire_private.transfer_json(v_id),
                                   'changes', v_changes, 'expired', v_expired);
  exception when sqlstate 'SW409' then
    -- Everything this transfer did is rolled back to here: nothing was taken.
    get stacked diagnostics v_code = message_text, v_detail = pg_exception_detail;
    v_result := jsonb_build_object('ok', false, 'code', v_code, 'line', v_detail::jsonb,
                                   'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  when unique_violation then
    -- The same transfer id made by a concurrent call, which has committed: answer as a retry.
    v_result := stockwire_private.transfer_replay(v_id, v_from, v_to, v_lines);
  end;
  return stockwire_private.idem_store(p_transfer -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.create_transfer(jsonb) from public, anon, authenticated;
grant execute on function public.create_transfer(jsonb) to service_role;
