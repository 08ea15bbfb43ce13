-- Cancels a transfer: what is still in transit goes back on hand at `from` (ledger rows
-- `transfer_cancel`, so the ledger tells a return from a receipt) and off the destination's in
-- transit; what was received stays received.
-- Input: {transfer_id, store, request_id?, actor?, idempotency?}.
-- Output: {ok: true, transfer, changes, expired}, or {ok: false, code, transfer?, field?, location?}
-- with nothing written: `transfer_not_found`, `transfer_finished`, a location refusal of `from`.
-- Lock order: the transfer row, then stock rows (sorted by product, location).
create function public.cancel_transfer(p_cancel jsonb)
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
