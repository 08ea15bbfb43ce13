-- Receives what of a transfer arrived at its destination: every line's rest, or the quantities
-- given per line; on hand at `to` gains them (ledger rows `transfer_in`), in transit loses them,
-- and what was not received stays in transit. All lines or none.
-- Input: {transfer_id, lines?: [{product_id, quantity}], store, request_id?, actor?, idempotency?}.
-- Output: {ok: true, transfer, changes, expired}, or {ok: false, code, transfer?, field?,
-- location?, line?: {index, product_id, in_transit}} with nothing written: `transfer_not_found`,
-- `transfer_finished` (received or cancelled already), a location refusal of `to`,
-- `transfer_line_not_found` (a product the transfer does not carry) or
-- `transfer_quantity_exceeded` (more than is in transit on that line).
-- Lock order: the transfer row, then stock rows (sorted by product, location).
create function public.receive_transfer(p_receipt jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_id text := p_receipt ->> 'transfer_id';
  v_transfer public.transfers;
  v_wanted jsonb;
  v_line record;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
  v_result jsonb;
  v_code text;
  v_detail text;
begin
  v_claim := stockwire_private.idem_claim(p_receipt -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  v_result := stockwire_private.transfer_step_refusal(v_id, 'to');
  if v_result is not null then
    return stockwire_private.idem_store(p_receipt -> 'idempotency',
                                        v_result || '{"changes": [], "expired": []}'::jsonb);
  end if;
  select * into v_transfer from public.transfers t where t.id = v_id;

  -- What to receive per line of the transfer (index: the line of the request, for its errors).
  if jsonb_typeof(p_receipt -> 'lines') = 'array' then
    v_wanted := p_receipt -> 'lines';
  else
    select jsonb_agg(jsonb_build_object('product_id', x.product_id,
                                        'quantity', x.quantity - x.received - x.cancelled) order by x.line)
      into v_wanted
      from public.transfer_lines x
     where x.transfer_id = v_id and x.quantity - x.received - x.cancelled > 0;
  end if;
  perform stockwire_private.lock_rows(
    (select jsonb_agg(jsonb_build_object('product_id', w ->> 'product_id', 'location', v_transfer.to_location))
       from jsonb_array_elements(v_wanted) w));
  begin
    for v_line in
      select w.n - 1 as index, w.x ->> 'product_id' as product_id, (w.x ->> 'quantity')::integer as quantity,
             x.line, x.quantity - x.received - x.cancelled as in_transit
        from jsonb_array_elements(v_wanted) with ordinality as w(x, n)
        left join public.transfer_lines x on x.transfer_id = v_id and x.product_id = w.x ->> 'product_id'
       order by w.n
    loop
      if v_line.line is null then
        raise exception 'transfer_line_not_found' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_line.index, 'product_id', v_line.product_id,
                                      'in_transit', 0)::text;
      end if;
      if v_line.quantity > v_line.in_transit then
        raise exception 'transfer_quantity_exceeded' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_line.index, 'product_id', v_line.product_id,
                                      'in_transit', v_line.in_transit)::text;
      end if;
      v_move := stockwire_private.apply_move(
        v_line.product_id, v_transfer.to_location, v_line.quantity, 0, false, 'transfer_in',
        p_receipt ->> 'store', p_receipt ->> 'request_id', p_receipt ->> 'actor', null, null,
        -v_line.quantity, v_id);
      if not (v_move ->> 'ok')::boolean then
        raise exception '%', v_move ->> 'code' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_line.index, 'product_id', v_line.product_id,
                                      'in_transit', v_line.in_transit)::text;
      end if;
      v_changes := v_changes || (v_move -> 'changes');
      v_expired := v_expired || (v_move -> 'expired');
      update public.transfer_lines x set received = x.received + v_line.quantity
       where x.transfer_id = v_id and x.line = v_line.line;
    end loop;
    update public.transfers t
       set status = case when exists (select 1 from public.transfer_lines x
                                       where x.transfer_id = v_id
                                         and x.quantity - x.received - x.cancelled > 0)
                         then 'partially_received' else 'received' end,
           receipts = t.receipts + 1,
           updated_at = now()
     where t.id = v_id;
    v_result := jsonb_build_object('ok', true, 'transfer', stockwire_private.transfer_json(v_id),
                                   'changes', v_changes, 'expired', v_expired);
  exception when sqlstate 'SW409' then
    get stacked diagnostics v_code = message_text, v_detail = pg_exception_detail;
    v_result := jsonb_build_object('ok', false, 'code', v_code, 'line', v_detail::jsonb,
                                   'transfer', stockwire_private.transfer_json(v_id),
                                   'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  end;
  return stockwire_private.idem_store(p_receipt -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.receive_transfer(jsonb) from public, anon, authenticated;
grant execute on function public.receive_transfer(jsonb) to service_role;
