-- Lets a store find out what became of stock changes whose answer it lost (see supabase/schemas).
-- What became of stock changes whose answer the store never got (the connection dropped after it
-- sent the call). Input: [{request_id, product_id, location, after_version}], after_version being
-- the row's version the store knew before it sent the change (0 if none). It first locks those
-- stock rows in the order every write function locks them, so a write still in flight on them
-- finishes (commits or rolls back) before the ledger is read. Output, one per input in order: the
-- ledger row that request wrote there after after_version, with the row as it is now, or null.
-- Reads the ledger newest first per row and stops at after_version, so it costs the rows written
-- since, whatever the ledger's size.
create function public.write_outcomes(probes jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  p record;
  e record;
  v_found jsonb;
  v_results jsonb[] := '{}';
begin
  if jsonb_typeof(probes) is distinct from 'array' then
    raise exception 'probes must be a JSON array' using errcode = '22023';
  end if;
  perform stockwire_private.lock_rows(probes);

  for p in
    select x ->> 'request_id' as request_id, x ->> 'product_id' as product_id,
           x ->> 'location' as location, coalesce((x ->> 'after_version')::bigint, 0) as after_version
      from jsonb_array_elements(probes) with ordinality t(x, ord)
     order by t.ord
  loop
    v_found := null;
    for e in
      select i.id, i.update_type, i.change, i.version, i.request_id, i.order_id, i.reservation_id
        from public.inventory_events i
       where i.product_id = p.product_id and i.location = p.location
       order by i.id desc
    loop
      exit when e.version <= p.after_version;
      if e.request_id = p.request_id then
        select jsonb_build_object(
                 'product_id', s.product_id,
                 'location', s.location,
                 'on_hand', s.on_hand,
                 'reserved', s.reserved,
                 'version', s.version,
                 'updated_at', s.updated_at,
                 'change', e.change,
                 'reserved_change', 0,
                 'update_type', e.update_type,
                 'event_id', e.id,
                 'order_id', e.order_id,
                 'reservation_id', e.reservation_id)
          into v_found
          from public.stock_levels s
         where s.product_id = p.product_id and s.location = p.location;
        exit;
      end if;
    end loop;
    v_results := array_append(v_results, v_found);
  end loop;
  return to_jsonb(v_results);
end;
$$;

revoke execute on function public.write_outcomes(jsonb) from public, anon, authenticated;
grant execute on function public.write_outcomes(jsonb) to service_role;
