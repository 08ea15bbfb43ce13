-- receive_transfer and cancel_transfer share their opening checks: one function locks the transfer
-- and says why a step may not be taken.

-- Why a later step of transfer `p_id` (a receipt at its `to`, a cancel back to its `from`: `p_end`)
-- may not be taken, or null when it may. Locks the transfer row first, as every step does, so
-- the answer holds until the step's transaction ends. The refusals: `transfer_not_found`,
-- `transfer_finished` (received or cancelled already, with the transfer), and a location refusal
-- of that end (with `field` and `location`).
create function stockwire_private.transfer_step_refusal(p_id text, p_end text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_transfer public.transfers;
  v_location text;
  v_code text;
begin
  select * into v_transfer from public.transfers t where t.id = p_id for update;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'transfer_not_found');
  end if;
  if v_transfer.status in ('received', 'cancelled') then
    return jsonb_build_object('ok', false, 'code', 'transfer_finished',
                              'transfer', stockwire_private.transfer_json(p_id));
  end if;
  v_location := case p_end when 'from' then v_transfer.from_location else v_transfer.to_location end;
  v_code := stockwire_private.location_refusal(v_location);
  if v_code is not null then
    return jsonb_build_object('ok', false, 'code', v_code, 'field', p_end, 'location', v_location);
  end if;
  return null;
end
$$;

revoke execute on function stockwire_private.transfer_step_refusal(text, text) from public, anon, authenticated, service_role;

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
create or replace function public.receive_transfer(p_receipt jsonb)
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

-- Cancels a transfer: what is still in transit goes back on hand at `from` (ledger rows
-- `transfer_cancel`, so the ledger tells a return from a receipt) and off the destination's in
-- transit; what was received stays received.
-- Input: {transfer_id, store, request_id?, actor?, idempotency?}.
-- Output: {ok: true, transfer, changes, expired}, or {ok: false, code, transfer?, field?, location?}
-- with nothing written: `transfer_not_found`, `transfer_finished`, a location refusal of `from`.
-- Lock order: the transfer row, then stock rows (sorted by product, location).
create or replace function public.cancel_transfer(p_cancel jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_id text := p_cancel ->> 'transfer_id';
  v_transfer public.transfers;
  v_line record;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
  v_result jsonb;
begin
  v_claim := stockwire_private.idem_claim(p_cancel -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  v_result := stockwire_private.transfer_step_refusal(v_id, 'from');
  if v_result is not null then
    return stockwire_private.idem_store(p_cancel -> 'idempotency',
                                        v_result || '{"changes": [], "expired": []}'::jsonb);
  end if;
  select * into v_transfer from public.transfers t where t.id = v_id;

  perform stockwire_private.lock_rows(
    (select jsonb_agg(jsonb_build_object('product_id', x.product_id, 'location', e))
       from public.transfer_lines x, unnest(array[v_transfer.from_location, v_transfer.to_location]) e
      where x.transfer_id = v_id));
  for v_line in
    select x.line, x.product_id, x.quantity - x.received - x.cancelled as rest
      from public.transfer_lines x
     where x.transfer_id = v_id and x.quantity - x.received - x.cancelled > 0
     order by x.line
  loop
    -- Neither can be refused: adding to on hand within range (a line's quantity was taken from
    -- there), and taking off in transit what the line put there.
    v_move := stockwire_private.apply_move(
      v_line.product_id, v_transfer.from_location, v_line.rest, 0, true, 'transfer_cancel',
      p_cancel ->> 'store', p_cancel ->> 'request_id', p_cancel ->> 'actor', null, null, 0, v_id);
    if not (v_move ->> 'ok')::boolean then
      raise exception 'cannot return % of % to %: %', v_line.rest, v_line.product_id,
        v_transfer.from_location, v_move ->> 'code';
    end if;
    v_changes := v_changes || (v_move -> 'changes');
    v_expired := v_expired || (v_move -> 'expired');
    v_move := stockwire_private.apply_move(
      v_line.product_id, v_transfer.to_location, 0, 0, false, 'transfer_cancel',
      p_cancel ->> 'store', p_cancel ->> 'request_id', p_cancel ->> 'actor', null, null,
      -v_line.rest, v_id);
    if not (v_move ->> 'ok')::boolean then
      raise exception 'cannot take % of % off in transit at %: %', v_line.rest, v_line.product_id,
        v_transfer.to_location, v_move ->> 'code';
    end if;
    v_changes := v_changes || (v_move -> 'changes');
    v_expired := v_expired || (v_move -> 'expired');
    update public.transfer_lines x set cancelled = x.cancelled + v_line.rest
     where x.transfer_id = v_id and x.line = v_line.line;
  end loop;
  update public.transfers t set status = 'cancelled', updated_at = now() where t.id = v_id;
  v_result := jsonb_build_object('ok', true, 'transfer', stockwire_private.transfer_json(v_id),
                                 'changes', v_changes, 'expired', v_expired);
  return stockwire_private.idem_store(p_cancel -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.cancel_transfer(jsonb) from public, anon, authenticated;
grant execute on function public.cancel_transfer(jsonb) to service_role;
