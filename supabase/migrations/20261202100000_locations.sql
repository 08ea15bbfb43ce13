-- Locations are entities: a table of stores and warehouses that every stock row refers to, and
-- every write that names a location is refused unless it names an active one
-- (location_not_found, location_inactive), so a mistyped location is an error, never a new place.
create table public.locations (
  id text primary key check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  kind text not null default 'store' check (kind in ('store', 'warehouse')),
  active boolean not null default true,
  created_at timestamptz not null default now()
);

alter table public.locations enable row level security;
revoke all on public.locations from anon, authenticated;
-- Reads only: every write goes through the functions, which run as their owner.
revoke all on public.locations from service_role;
grant select on public.locations to service_role;

-- Adopt every location already named by stock, holds or the ledger, so existing stock keeps its
-- place; a name with "warehouse" in it is taken for a warehouse, anything else for a store.
insert into public.locations (id, name, kind)
select l, l, case when l ilike '%warehouse%' then 'warehouse' else 'store' end
  from (select location from public.stock_levels
        union select location from public.reservations
        union select location from public.inventory_events) x(l)
 where l ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'
on conflict (id) do nothing;

alter table public.stock_levels
  add constraint stock_levels_location_fkey foreign key (location) references public.locations (id);

-- Why a write may not name location l, or null when it may: it must be a location, and an active
-- one. Every function that writes stock at a location a caller names asks this first (the stock
-- rows' foreign key to locations holds the rest of the schema to the same rule).
create function stockwire_private.location_refusal(l text)
returns text
language sql
stable
set search_path = ''
as $$
  select case (select x.active from public.locations x where x.id = l)
           when true then null
           when false then 'location_inactive'
           else 'location_not_found'
         end
$$;

revoke execute on function stockwire_private.location_refusal(text) from public, anon, authenticated, service_role;

-- Adds a location. Input: {id, name, kind?}. Output: {ok: true, location} or
-- {ok: false, code: 'location_exists'}.
create function public.create_location(location jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_location public.locations;
begin
  insert into public.locations (id, name, kind)
  values (location ->> 'id', location ->> 'name', coalesce(location ->> 'kind', 'store'))
  on conflict (id) do nothing
  returning * into v_location;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'location_exists');
  end if;
  return jsonb_build_object('ok', true, 'location', to_jsonb(v_location));
end;
$$;

revoke execute on function public.create_location(jsonb) from public, anon, authenticated;
grant execute on function public.create_location(jsonb) to service_role;

-- Renames a location or makes it active or inactive; what the patch leaves out stays as it is.
-- Input: location_id, patch {name?, active?}. Output: {ok: true, location} or
-- {ok: false, code: 'location_not_found'}.
create function public.update_location(location_id text, patch jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_location public.locations;
begin
  update public.locations x
     set name = coalesce(patch ->> 'name', x.name),
         active = coalesce((patch ->> 'active')::boolean, x.active)
   where x.id = location_id
  returning * into v_location;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'location_not_found');
  end if;
  return jsonb_build_object('ok', true, 'location', to_jsonb(v_location));
end;
$$;

revoke execute on function public.update_location(text, jsonb) from public, anon, authenticated;
grant execute on function public.update_location(text, jsonb) to service_role;

-- Applies a batch of stock changes in one transaction, each guarded on its own: a refused change
-- is reported in its result and does not fail its neighbours.
-- Input: [{product_id, location, change, update_type, request_id?, store, actor?, idempotency?}].
-- Output, one per change in input order: {ok: true, code: null, available, changes, expired} or
-- {ok: false, code, available?, changes, expired}, or a replay/mismatch of an earlier request with
-- the same idempotency key (stockwire_private.idem_claim).
--
-- Each store group-commits its writes into one call carrying a batch (typically 8-64 changes), so
-- what one change costs inside a batch caps the writes per second. Once the batch's rows are
-- locked, nothing but this call can change them, so their state is carried in variables and
-- written at the end, a few statements per batch:
--   1. Lock the batch's existing stock rows in (product_id, location) order, as lock_rows does,
--      reading their state. Each row gets a slot (its position in the lock arrays).
--   2. Read the batch once, with each product's threshold (null: no such product), whether its
--      location is active (null: no such location; the same rule as location_refusal) and the slot
--      of its row, if that row was locked and has no held reservation past its time. While we
--      hold the lock no one can add or end a hold there (every function changes holds under the
--      stock row's lock), so for such a row expire_holds would release nothing all batch long.
--   3. Per change, in input order: the idempotency functions only when the change carries a key;
--      the sign rule (change_fits_type); for a row with a slot, the guard (move_refusal) applied
--      to the slot's variables, its ledger id drawn from the ledger's sequence (so ids follow input
--      order) and its result built at once, complete (so a key can store it at once). Any other
--      row (holds to release, or a row that did not exist when locked, which changes may create)
--      goes through apply_move, as every other function's movements do.
--   4. Write the rows that changed, one UPDATE for all of them, and the ledger, one INSERT.
--
-- Alerts: the trigger stock_levels_record_alert must see every threshold crossing. Step 3 knows
-- each product's threshold, so each state that crosses it is kept for a write of its own: the
-- n-th such state of a row is written in the n-th round of step 4's UPDATE, and the trigger
-- records the crossing from that update's old and new values, with that change's version.
-- Between crossings a row stays on one side of its threshold, so the final write of a row crosses
-- nothing. Alerts of different rows in one batch may get their ids in another order than the
-- changes came in; per row they come in order.
--
-- That this gives the results and rows that one apply_move per change gives:
-- apps/api/test/apply-changes.test.ts. Cost per change: bench/sql/apply-changes.ts.
create or replace function public.apply_stock_changes(changes jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
-- Marks its writes of stock rows as the functions' own: see stockwire_private.version_external_write.
set stockwire.writer = 'apply_stock_changes'
as $$
declare
  c record;
  v_results jsonb[] := '{}';
  v_claim jsonb;
  v_result jsonb;
  v_change integer;
  v_code text;
  v_slot integer;
  v_on_hand bigint;
  v_version bigint;
  v_event bigint;
  -- The sequence of the ledger's identity column (named by Postgres after table and column).
  v_ledger regclass := 'public.inventory_events_id_seq';
  v_rounds integer := 0;
  v_round integer;
  v_rows integer;
  v_written integer := 0;
  -- The locked rows, by slot: key and state when locked (reserved does not change here).
  k_product text[];
  k_location text[];
  k_on_hand integer[];
  k_reserved integer[];
  k_version bigint[];
  -- Per slot, as the batch goes: on hand, version, the version last written, writes so far.
  s_on_hand integer[] := '{}';
  s_version bigint[] := '{}';
  s_written bigint[] := '{}';
  s_writes integer[] := '{}';
  -- Row states to write: the n-th write of a row goes in round n.
  w_round integer[] := '{}';
  w_slot integer[] := '{}';
  w_on_hand integer[] := '{}';
  w_version bigint[] := '{}';
  w_from bigint[] := '{}';
  -- Ledger rows to insert.
  e_id bigint[] := '{}';
  e_slot integer[] := '{}';
  e_type text[] := '{}';
  e_change integer[] := '{}';
  e_on_hand integer[] := '{}';
  e_version bigint[] := '{}';
  e_request text[] := '{}';
  e_store text[] := '{}';
  e_actor text[] := '{}';
begin
  if jsonb_typeof(changes) is distinct from 'array' then
    raise exception 'changes must be a JSON array' using errcode = '22023';
  end if;

  -- 1. The rows lock_rows would lock, in its order, so concurrent batches queue, never deadlock:
  -- each row is locked as it is looked up, by its primary key, in key order (the lateral subquery
  -- makes it one index lookup per key, where lock_rows' join may read the whole table).
  select coalesce(array_agg(l.product_id), '{}'), coalesce(array_agg(l.location), '{}'),
         coalesce(array_agg(l.on_hand), '{}'), coalesce(array_agg(l.reserved), '{}'),
         coalesce(array_agg(l.version), '{}')
    into k_product, k_location, k_on_hand, k_reserved, k_version
    from (select s.product_id, s.location, s.on_hand, s.reserved, s.version
            from (select distinct x ->> 'product_id' as product_id, x ->> 'location' as location
                    from jsonb_array_elements(changes) x
                   order by 1, 2) k
           cross join lateral (select s.product_id, s.location, s.on_hand, s.reserved, s.version
                                 from public.stock_levels s
                                where s.product_id = k.product_id and s.location = k.location
                                limit 1
                                  for update) s) l;

  -- 2. The batch in input order: each change with its product's threshold (null: no such
  -- product) and the slot of its row if that row is locked and has no hold to release. This is a
  -- new statement, so it sees every hold committed before we had the locks.
  for c in
    select i.*, p.low_stock_threshold as threshold, loc.active as location_active, q.slot
      from (select x.ord,
                   x.value ->> 'product_id' as product_id,
                   x.value ->> 'location' as location,
                   x.value ->> 'change' as change,
                   x.value ->> 'update_type' as update_type,
                   x.value ->> 'store' as store,
                   x.value ->> 'request_id' as request_id,
                   x.value ->> 'actor' as actor,
                   nullif(x.value -> 'idempotency', 'null'::jsonb) as idempotency
              from jsonb_array_elements(changes) with ordinality x(value, ord)) i
      left join public.products p on p.id = i.product_id
      left join public.locations loc on loc.id = i.location
      left join (select k.product_id, k.location, k.slot
                   from unnest(k_product, k_location) with ordinality k(product_id, location, slot)
                  where not exists (select 1
                                      from public.reservations r
                                     where r.product_id = k.product_id and r.location = k.location
                                       and r.status = 'held' and r.expires_at <= now())) q
        on q.product_id = i.product_id and q.location = i.location
     order by i.ord
  loop
    -- 3. Each change.
    if c.idempotency is not null then
      v_claim := stockwire_private.idem_claim(c.idempotency);
      if v_claim is not null then
        v_results := array_append(v_results, v_claim);
        continue;
      end if;
    end if;
    v_change := c.change::integer;

    if c.threshold is null then
      v_result := jsonb_build_object('ok', false, 'code', 'product_not_found', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    elsif c.location_active is not true then
      v_result := jsonb_build_object('ok', false,
        'code', case when c.location_active is null then 'location_not_found' else 'location_inactive' end,
        'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    elsif not stockwire_private.change_fits_type(c.update_type, v_change) then
      v_result := jsonb_build_object('ok', false, 'code', 'invalid_change', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    elsif c.slot is null then
      v_result := stockwire_private.apply_move(
        c.product_id, c.location, v_change, 0, true, c.update_type,
        c.store, c.request_id, c.actor, null, null);
    else
      v_slot := c.slot;
      if s_version[v_slot] is null then
        s_on_hand[v_slot] := k_on_hand[v_slot];
        s_version[v_slot] := k_version[v_slot];
        s_written[v_slot] := k_version[v_slot];
        s_writes[v_slot] := 0;
      end if;
      v_code := stockwire_private.move_refusal(s_on_hand[v_slot], k_reserved[v_slot], v_change, 0);
      if v_code is null then
        v_on_hand := s_on_hand[v_slot] + v_change;
        v_version := s_version[v_slot] + 1;
        v_event := nextval(v_ledger);
        e_id := array_append(e_id, v_event);
        e_slot := array_append(e_slot, v_slot);
        e_type := array_append(e_type, c.update_type);
        e_change := array_append(e_change, v_change);
        e_on_hand := array_append(e_on_hand, v_on_hand::integer);
        e_version := array_append(e_version, v_version);
        e_request := array_append(e_request, c.request_id);
        e_store := array_append(e_store, coalesce(c.store, 'unknown'));
        e_actor := array_append(e_actor, c.actor);
        if (s_on_hand[v_slot] - k_reserved[v_slot] < c.threshold)
           is distinct from (v_on_hand - k_reserved[v_slot] < c.threshold) then
          -- Crosses the threshold: this state gets an update of its own, for the alert trigger.
          s_writes[v_slot] := s_writes[v_slot] + 1;
          v_rounds := greatest(v_rounds, s_writes[v_slot]);
          w_round := array_append(w_round, s_writes[v_slot]);
          w_slot := array_append(w_slot, v_slot);
          w_on_hand := array_append(w_on_hand, v_on_hand::integer);
          w_version := array_append(w_version, v_version);
          w_from := array_append(w_from, s_written[v_slot]);
          s_written[v_slot] := v_version;
        end if;
        s_on_hand[v_slot] := v_on_hand;
        s_version[v_slot] := v_version;
        v_result := jsonb_build_object(
          'ok', true,
          'code', null,
          'available', v_on_hand - k_reserved[v_slot],
          'changes', jsonb_build_array(jsonb_build_object(
            'product_id', c.product_id,
            'location', c.location,
            'on_hand', v_on_hand,
            'reserved', k_reserved[v_slot],
            'version', v_version,
            'updated_at', now(),
            'change', v_change,
            'reserved_change', 0,
            'update_type', c.update_type,
            'event_id', v_event,
            'order_id', null,
            'reservation_id', null)),
          'expired', '[]'::jsonb);
      else
        v_result := jsonb_build_object(
          'ok', false,
          'code', v_code,
          'available', s_on_hand[v_slot] - k_reserved[v_slot],
          'changes', '[]'::jsonb,
          'expired', '[]'::jsonb);
      end if;
    end if;

    if c.idempotency is not null then
      v_result := stockwire_private.idem_store(c.idempotency, v_result);
    end if;
    v_results := array_append(v_results, v_result);
  end loop;

  -- 4. Each changed row's final state, unless its last change was written as a crossing.
  for v_slot in 1 .. coalesce(array_length(k_product, 1), 0) loop
    if s_version[v_slot] > s_written[v_slot] then  -- null for rows no change touched
      s_writes[v_slot] := s_writes[v_slot] + 1;
      v_rounds := greatest(v_rounds, s_writes[v_slot]);
      w_round := array_append(w_round, s_writes[v_slot]);
      w_slot := array_append(w_slot, v_slot);
      w_on_hand := array_append(w_on_hand, s_on_hand[v_slot]);
      w_version := array_append(w_version, s_version[v_slot]);
      w_from := array_append(w_from, s_written[v_slot]);
    end if;
  end loop;
  for v_round in 1 .. v_rounds loop
    update public.stock_levels s
       set on_hand = w.on_hand, version = w.version, updated_at = now()
      from unnest(w_round, w_slot, w_on_hand, w_version, w_from) w(round, slot, on_hand, version, from_version)
     where w.round = v_round
       and s.product_id = k_product[w.slot]
       and s.location = k_location[w.slot]
       and s.version = w.from_version;
    get diagnostics v_rows = row_count;
    v_written := v_written + v_rows;
  end loop;
  if v_written <> coalesce(array_length(w_slot, 1), 0) then
    -- Cannot happen while the rows are locked; if it ever did, write nothing at all.
    raise exception 'apply_stock_changes: % of % stock row writes matched', v_written, array_length(w_slot, 1);
  end if;

  insert into public.inventory_events
    (id, product_id, location, update_type, change, previous_quantity, new_quantity, version,
     request_id, store, actor)
  overriding system value
  select e.id, k_product[e.slot], k_location[e.slot], e.update_type, e.change, e.on_hand - e.change,
         e.on_hand, e.version, e.request_id, e.store, e.actor
    from unnest(e_id, e_slot, e_type, e_change, e_on_hand, e_version, e_request, e_store, e_actor)
           e(id, slot, update_type, change, on_hand, version, request_id, store, actor);

  return to_jsonb(v_results);
end;
$$;

revoke execute on function public.apply_stock_changes(jsonb) from public, anon, authenticated;
grant execute on function public.apply_stock_changes(jsonb) to service_role;

-- Holds stock for checkouts. Input: [{product_id, location, quantity, ttl_seconds, client_id?,
-- store, request_id?, idempotency?}]. Output per hold: {ok: true, reservation, changes, expired}
-- or {ok: false, code, available, changes, expired}.
create or replace function public.reserve_stock(reservations jsonb)
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

-- Takes stock for every line of an order in one transaction, or for none.
-- Input: {order_id, lines: [{product_id, location, quantity}], store, request_id?, idempotency?}.
-- Output: {ok: true, order_id, lines, changes, expired}, {ok: true, duplicate: true, ...} for an
-- order_id applied before (each order is applied at most once), or
-- {ok: false, code, line: {index, product_id, location, available}} with nothing taken.
create or replace function public.place_order(p_order jsonb)
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

-- Adds a product with optional initial stock per location; the initial stock is recorded in the
-- ledger as restocks so that the ledger always explains the stock rows.
-- Input: {id, name, description, low_stock_threshold, stock: {location: quantity}, store, request_id?,
-- idempotency?}.
-- Output: {ok: true, product, levels}, {ok: false, code: 'location_not_found' | 'location_inactive',
-- location} for the first stock location that may not be written (nothing is), or
-- {ok: false, code: 'product_exists'}, or a replay/mismatch of
-- an earlier request with the same idempotency key (stockwire_private.idem_claim).
create or replace function public.create_product(product jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
-- Marks its writes of stock rows as the functions' own: see stockwire_private.version_external_write.
set stockwire.writer = 'create_product'
as $$
declare
  v_product public.products;
  v_level public.stock_levels;
  v_levels jsonb := '[]'::jsonb;
  v_stock record;
  v_claim jsonb;
  v_refused record;
begin
  v_claim := stockwire_private.idem_claim(product -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;

  select l.location, stockwire_private.location_refusal(l.location) as code into v_refused
    from jsonb_object_keys(coalesce(product -> 'stock', '{}'::jsonb)) l(location)
   where stockwire_private.location_refusal(l.location) is not null
   order by l.location
   limit 1;
  if found then
    return stockwire_private.idem_store(product -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_refused.code, 'location', v_refused.location));
  end if;

  insert into public.products (id, name, description, low_stock_threshold)
  values (product ->> 'id', product ->> 'name', coalesce(product ->> 'description', ''),
          coalesce((product ->> 'low_stock_threshold')::integer, 10))
  on conflict (id) do nothing
  returning * into v_product;

  if not found then
    return stockwire_private.idem_store(product -> 'idempotency',
                                        jsonb_build_object('ok', false, 'code', 'product_exists'));
  end if;

  for v_stock in
    select key as location, value::integer as quantity
      from jsonb_each_text(coalesce(product -> 'stock', '{}'::jsonb))
     order by key
  loop
    insert into public.stock_levels (product_id, location, on_hand)
    values (v_product.id, v_stock.location, v_stock.quantity)
    returning * into v_level;

    if v_stock.quantity > 0 then
      insert into public.inventory_events
        (product_id, location, update_type, change, previous_quantity, new_quantity, version, request_id, store, actor)
      values
        (v_product.id, v_stock.location, 'restock', v_stock.quantity, 0, v_stock.quantity, v_level.version,
         product ->> 'request_id', coalesce(product ->> 'store', 'unknown'), product ->> 'actor');
    end if;

    v_levels := v_levels || jsonb_build_array(jsonb_build_object(
      'location', v_level.location,
      'on_hand', v_level.on_hand,
      'reserved', v_level.reserved,
      'version', v_level.version,
      'updated_at', v_level.updated_at));
  end loop;

  return stockwire_private.idem_store(product -> 'idempotency', jsonb_build_object(
    'ok', true,
    'product', jsonb_build_object(
      'id', v_product.id,
      'name', v_product.name,
      'description', v_product.description,
      'low_stock_threshold', v_product.low_stock_threshold),
    'levels', v_levels));
end;
$$;

revoke execute on function public.create_product(jsonb) from public, anon, authenticated;
grant execute on function public.create_product(jsonb) to service_role;
