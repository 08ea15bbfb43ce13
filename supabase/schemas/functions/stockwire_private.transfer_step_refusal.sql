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
