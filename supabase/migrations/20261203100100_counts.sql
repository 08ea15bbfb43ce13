-- Stocktakes: record_count, the stock_counts it keeps, and the ledger's count_id.
alter table public.inventory_events add column count_id text;

-- Stocktakes recorded by record_count, each at most once (the count id is the key): what the count
-- answered, so that a retry with the same count_id answers the same and applies nothing more. Its
-- adjustments are the ledger rows that carry its id (inventory_events.count_id).
create table public.stock_counts (
  count_id text primary key check (length(count_id) between 1 and 128),
  location text not null references public.locations (id),
  all_or_nothing boolean not null,
  result jsonb not null,
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now()
);

alter table public.stock_counts enable row level security;
revoke all on public.stock_counts from anon, authenticated, service_role;
grant select on public.stock_counts to service_role;

-- Records a stocktake at one location in one transaction: for each line, the variance between what
-- was counted and what is on hand at that moment (the row locked) becomes an `adjustment` ledger
-- row carrying the count's id. A count below what is reserved there (holds whose time is up
-- released first) is refused for that line (`count_below_reserved`), as is a product that does not
-- exist (`product_not_found`); with all_or_nothing the whole count is then refused and nothing is
-- written, without it the other lines are applied. Each count_id is applied at most once.
-- Input: {count_id, location, lines: [{product_id, counted}], all_or_nothing, store, request_id?,
-- actor?, idempotency?}.
-- Output: {ok: true, count_id, location, all_or_nothing, lines, changes, expired} where each line is
-- {index, product_id, counted, previous_on_hand, variance, event_id} or {index, product_id, counted,
-- code, reserved}; {ok: true, duplicate: true, ...} for a count_id recorded before (its first
-- answer, nothing more applied); {ok: false, code, count_id, line} with nothing written.
create function public.record_count(p_count jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_previous jsonb;
  v_location text := p_count ->> 'location';
  v_all boolean := coalesce((p_count ->> 'all_or_nothing')::boolean, true);
  v_line jsonb;
  v_index integer := 0;
  v_counted integer;
  v_on_hand integer;
  v_move jsonb;
  v_event bigint;
  v_lines jsonb := '[]'::jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
  v_refusal jsonb;
  v_result jsonb;
  v_code text;
  v_detail text;
begin
  v_claim := stockwire_private.idem_claim(p_count -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  if jsonb_typeof(p_count -> 'lines') is distinct from 'array' or jsonb_array_length(p_count -> 'lines') = 0 then
    raise exception 'lines must be a non-empty JSON array' using errcode = '22023';
  end if;

  select c.result into v_previous from public.stock_counts c where c.count_id = p_count ->> 'count_id';
  if found then
    return stockwire_private.idem_store(p_count -> 'idempotency', v_previous || jsonb_build_object(
      'duplicate', true, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  v_code := stockwire_private.location_refusal(v_location);
  if v_code is not null then
    return stockwire_private.idem_store(p_count -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_code, 'count_id', p_count ->> 'count_id',
      'line', null, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  perform stockwire_private.lock_rows(
    (select jsonb_agg(jsonb_build_object('product_id', l ->> 'product_id', 'location', v_location))
       from jsonb_array_elements(p_count -> 'lines') l));
  begin
    for v_line in select value from jsonb_array_elements(p_count -> 'lines') loop
      v_counted := (v_line ->> 'counted')::integer;
      v_refusal := null;
      if not exists (select 1 from public.products p where p.id = v_line ->> 'product_id') then
        v_refusal := jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                        'counted', v_counted, 'code', 'product_not_found', 'reserved', 0);
      else
        select s.on_hand into v_on_hand
          from public.stock_levels s
         where s.product_id = v_line ->> 'product_id' and s.location = v_location;
        v_on_hand := coalesce(v_on_hand, 0);
        v_move := stockwire_private.apply_move(
          v_line ->> 'product_id', v_location, v_counted - v_on_hand, 0, true, 'adjustment',
          p_count ->> 'store', p_count ->> 'request_id', p_count ->> 'actor', null, null);
        v_changes := v_changes || (v_move -> 'changes');
        v_expired := v_expired || (v_move -> 'expired');
        if (v_move ->> 'ok')::boolean then
          v_event := (v_move -> 'changes' -> 0 ->> 'event_id')::bigint;
          if v_event is not null then
            update public.inventory_events e set count_id = p_count ->> 'count_id' where e.id = v_event;
          end if;
          v_lines := v_lines || jsonb_build_object(
            'index', v_index, 'product_id', v_line ->> 'product_id', 'counted', v_counted,
            'previous_on_hand', v_on_hand, 'variance', v_counted - v_on_hand, 'event_id', v_event);
        else
          v_refusal := jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                          'counted', v_counted, 'code', 'count_below_reserved',
                                          'reserved', v_on_hand - (v_move ->> 'available')::integer);
        end if;
      end if;
      if v_refusal is not null then
        if v_all then
          raise exception '%', v_refusal ->> 'code' using errcode = 'SW409', detail = v_refusal::text;
        end if;
        v_lines := v_lines || v_refusal;
      end if;
      v_index := v_index + 1;
    end loop;
    v_result := jsonb_build_object(
      'ok', true, 'count_id', p_count ->> 'count_id', 'location', v_location,
      'all_or_nothing', v_all, 'lines', v_lines);
    insert into public.stock_counts (count_id, location, all_or_nothing, result, store, request_id, actor)
    values (p_count ->> 'count_id', v_location, v_all, v_result, coalesce(p_count ->> 'store', 'unknown'),
            p_count ->> 'request_id', p_count ->> 'actor');
    v_result := v_result || jsonb_build_object('changes', v_changes, 'expired', v_expired);
  exception when sqlstate 'SW409' then
    -- Everything this count did is rolled back to here: nothing was written.
    get stacked diagnostics v_code = message_text, v_detail = pg_exception_detail;
    v_result := jsonb_build_object('ok', false, 'code', v_code, 'count_id', p_count ->> 'count_id',
                                   'line', v_detail::jsonb, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  when unique_violation then
    -- The same count_id recorded by a concurrent call: it was applied once, by that call.
    select c.result into v_previous from public.stock_counts c where c.count_id = p_count ->> 'count_id';
    v_result := coalesce(v_previous, '{}'::jsonb) || jsonb_build_object(
      'ok', true, 'duplicate', true, 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  end;
  return stockwire_private.idem_store(p_count -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.record_count(jsonb) from public, anon, authenticated;
grant execute on function public.record_count(jsonb) to service_role;
