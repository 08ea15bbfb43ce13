-- Checkout-grade stock: reservations (holds with an expiry), all-or-nothing orders, and
-- idempotency keys, all applied by SQL functions in one transaction each.
--
-- Every function that moves stock goes through stockwire_private.apply_move, which locks the stock
-- row, releases the holds at that row whose time is up (so expired holds stop counting at once,
-- whether or not a sweeper has run), applies the guarded change with one version bump, and writes
-- the ledger row. Functions return the row changes they made (`changes`) for the caller to publish
-- and the holds that expired on the way (`expired`) for the caller to notify.
-- Lock order everywhere: stock rows (sorted by product, location), then reservation rows.

create schema if not exists stockwire_private;
revoke all on schema stockwire_private from public;

create table public.reservations (
  id uuid primary key default gen_random_uuid(),
  product_id text not null references public.products (id) on delete cascade,
  location text not null,
  quantity integer not null check (quantity > 0),
  status text not null default 'held' check (status in ('held', 'committed', 'released', 'expired')),
  expires_at timestamptz not null,
  client_id text,
  order_id text,
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index reservations_held_expiry on public.reservations (expires_at) where status = 'held';
create index reservations_held_row on public.reservations (product_id, location) where status = 'held';

create table public.orders (
  order_id text primary key check (length(order_id) between 1 and 128),
  lines jsonb not null,
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now()
);

create table public.idempotency_keys (
  key text primary key,
  scope text not null,
  request_hash text not null,
  result jsonb,
  response_status integer,
  response_body jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index idempotency_keys_expiry on public.idempotency_keys (expires_at);

alter table public.inventory_events add column order_id text;
alter table public.inventory_events add column reservation_id uuid;

alter table public.reservations enable row level security;
alter table public.orders enable row level security;
alter table public.idempotency_keys enable row level security;
revoke all on public.reservations, public.orders, public.idempotency_keys from anon, authenticated, service_role;
grant select on public.reservations, public.orders to service_role;

-- Claims an idempotency key for this transaction. Returns null when the caller should go ahead
-- (new key, or an expired one), {replay: result, response_status, response_body} when the key was
-- used before with the same scope and request, or {mismatch: true} when it was used differently.
-- A concurrent request with the same key waits here until the first one commits.
create function stockwire_private.idem_claim(idem jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_key public.idempotency_keys;
begin
  if idem is null or idem = 'null'::jsonb then
    return null;
  end if;
  insert into public.idempotency_keys as k (key, scope, request_hash, expires_at)
  values (idem ->> 'key', idem ->> 'scope', idem ->> 'hash',
          now() + make_interval(secs => coalesce((idem ->> 'ttl_seconds')::integer, 86400)))
  on conflict (key) do update
    set scope = excluded.scope, request_hash = excluded.request_hash, result = null,
        response_status = null, response_body = null, created_at = now(), expires_at = excluded.expires_at
    where k.expires_at <= now()
  returning k.* into v_key;
  if found then
    return null;
  end if;
  select * into v_key from public.idempotency_keys k where k.key = idem ->> 'key';
  if v_key.scope <> idem ->> 'scope' or v_key.request_hash <> idem ->> 'hash' then
    return jsonb_build_object('mismatch', true);
  end if;
  return jsonb_build_object('replay', v_key.result, 'response_status', v_key.response_status,
                            'response_body', v_key.response_body);
end;
$$;

create function stockwire_private.idem_store(idem jsonb, result jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  if idem is not null and idem <> 'null'::jsonb then
    update public.idempotency_keys set result = idem_store.result where key = idem ->> 'key';
  end if;
  return result;
end;
$$;

-- Marks the held reservations at (p, l) whose time is up as expired and returns them.
create function stockwire_private.expire_holds(p text, l text)
returns jsonb
language sql
set search_path = ''
as $$
  with expired as (
    update public.reservations r
       set status = 'expired', updated_at = now()
     where r.product_id = p and r.location = l and r.status = 'held' and r.expires_at <= now()
    returning r.id as reservation_id, r.product_id, r.location, r.quantity, r.client_id, r.order_id
  )
  select coalesce(jsonb_agg(to_jsonb(expired) order by expired.reservation_id), '[]'::jsonb) from expired
$$;

-- One guarded movement at (p, l): d_on_hand to on hand, d_reserved to reserved. See the header.
-- Returns {ok, code?, available?, changes: [row change], expired: [hold]}.
create function stockwire_private.apply_move(
  p text, l text, d_on_hand integer, d_reserved integer, may_create boolean, move_type text,
  p_store text, p_request_id text, p_actor text, p_order_id text, p_reservation_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_expired jsonb;
  v_freed integer;
  v_row public.stock_levels;
  v_event bigint;
  v_ok boolean;
  v_code text;
  v_type text := move_type;
begin
  perform 1 from public.stock_levels s where s.product_id = p and s.location = l for update;
  v_expired := stockwire_private.expire_holds(p, l);
  select coalesce(sum((e ->> 'quantity')::integer), 0) into v_freed from jsonb_array_elements(v_expired) e;

  if d_on_hand = 0 and d_reserved = 0 and v_freed = 0 then
    return jsonb_build_object('ok', true, 'changes', '[]'::jsonb, 'expired', v_expired);
  end if;

  if may_create and d_on_hand > 0 and d_reserved = 0 then
    insert into public.stock_levels as s (product_id, location, on_hand)
    values (p, l, d_on_hand)
    on conflict (product_id, location) do update
      set on_hand = s.on_hand + excluded.on_hand,
          reserved = s.reserved - v_freed,
          version = s.version + 1,
          updated_at = now()
      where s.on_hand::bigint + excluded.on_hand <= 2147483647
    returning s.* into v_row;
  else
    update public.stock_levels s
       set on_hand = s.on_hand + d_on_hand,
           reserved = s.reserved - v_freed + d_reserved,
           version = s.version + 1,
           updated_at = now()
     where s.product_id = p
       and s.location = l
       and s.on_hand::bigint + d_on_hand <= 2147483647
       and s.on_hand + d_on_hand >= s.reserved - v_freed + d_reserved
       and s.reserved - v_freed + d_reserved >= 0
    returning s.* into v_row;
  end if;
  v_ok := found;

  if not v_ok then
    v_code := case when d_on_hand > 0 then 'quantity_out_of_range' else 'insufficient_stock' end;
    if v_freed > 0 then
      -- The movement is refused, but the holds that ran out are released all the same.
      update public.stock_levels s
         set reserved = s.reserved - v_freed, version = s.version + 1, updated_at = now()
       where s.product_id = p and s.location = l
      returning s.* into v_row;
      v_type := 'expire';
      d_on_hand := 0;
      d_reserved := 0;
    else
      select s.* into v_row from public.stock_levels s where s.product_id = p and s.location = l;
      return jsonb_build_object(
        'ok', false,
        'code', v_code,
        'available', coalesce(v_row.on_hand - v_row.reserved, 0),
        'changes', '[]'::jsonb,
        'expired', v_expired);
    end if;
  elsif d_on_hand <> 0 then
    insert into public.inventory_events
      (product_id, location, update_type, change, previous_quantity, new_quantity, version,
       request_id, store, actor, order_id, reservation_id)
    values
      (p, l, move_type, d_on_hand, v_row.on_hand - d_on_hand, v_row.on_hand, v_row.version,
       p_request_id, coalesce(p_store, 'unknown'), p_actor, p_order_id, p_reservation_id)
    returning id into v_event;
  end if;

  return jsonb_build_object(
    'ok', v_ok,
    'code', v_code,
    'available', v_row.on_hand - v_row.reserved,
    'changes', jsonb_build_array(jsonb_build_object(
      'product_id', v_row.product_id,
      'location', v_row.location,
      'on_hand', v_row.on_hand,
      'reserved', v_row.reserved,
      'version', v_row.version,
      'updated_at', v_row.updated_at,
      'change', d_on_hand,
      'reserved_change', d_reserved - v_freed,
      'update_type', v_type,
      'event_id', v_event,
      'order_id', p_order_id,
      'reservation_id', p_reservation_id)),
    'expired', v_expired);
end;
$$;

-- Locks the stock rows a batch touches, in one order, so concurrent batches queue instead of
-- deadlocking. `keys` is a JSON array of objects with product_id and location.
create function stockwire_private.lock_rows(keys jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform 1
     from public.stock_levels s
     join (select distinct x ->> 'product_id' as product_id, x ->> 'location' as location
             from jsonb_array_elements(keys) x) k
       on s.product_id = k.product_id and s.location = k.location
    order by s.product_id, s.location
      for update of s;
end;
$$;

-- Replaces the first version: same contract, now through apply_move (holds that ran out are
-- released on the way) and with an optional idempotency key per change.
-- Input: [{product_id, location, change, update_type, request_id?, store, idempotency?}].
-- Output per change: {ok: true, changes, expired} or {ok: false, code, available?, changes, expired},
-- or a replay/mismatch of an earlier request with the same idempotency key.
drop function public.apply_stock_changes(jsonb);
create function public.apply_stock_changes(changes jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  c jsonb;
  results jsonb := '[]'::jsonb;
  v_claim jsonb;
  v_change integer;
  v_type text;
  v_result jsonb;
begin
  if jsonb_typeof(changes) is distinct from 'array' then
    raise exception 'changes must be a JSON array' using errcode = '22023';
  end if;
  perform stockwire_private.lock_rows(changes);

  for c in select value from jsonb_array_elements(changes) loop
    v_claim := stockwire_private.idem_claim(c -> 'idempotency');
    if v_claim is not null then
      results := results || jsonb_build_array(v_claim);
      continue;
    end if;
    v_change := (c ->> 'change')::integer;
    v_type := c ->> 'update_type';
    if not exists (select 1 from public.products p where p.id = c ->> 'product_id') then
      v_result := jsonb_build_object('ok', false, 'code', 'product_not_found', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    elsif v_change = 0
       or v_type is null
       or v_type not in ('sale', 'restock', 'adjustment', 'return', 'damage')
       or (v_type in ('sale', 'damage') and v_change > 0)
       or (v_type in ('restock', 'return') and v_change < 0) then
      v_result := jsonb_build_object('ok', false, 'code', 'invalid_change', 'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
    else
      v_result := stockwire_private.apply_move(
        c ->> 'product_id', c ->> 'location', v_change, 0, true, v_type,
        c ->> 'store', c ->> 'request_id', c ->> 'actor', null, null);
    end if;
    results := results || jsonb_build_array(stockwire_private.idem_store(c -> 'idempotency', v_result));
  end loop;
  return results;
end;
$$;

-- Holds stock for checkouts. Input: [{product_id, location, quantity, ttl_seconds, client_id?,
-- store, request_id?, idempotency?}]. Output per hold: {ok: true, reservation, changes, expired}
-- or {ok: false, code, available, changes, expired}.
create function public.reserve_stock(reservations jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  r jsonb;
  results jsonb := '[]'::jsonb;
  v_claim jsonb;
  v_result jsonb;
  v_hold public.reservations;
  v_changes jsonb;
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

-- Ends a hold: 'commit' turns it into a sale, 'release' gives the units back.
-- Input: {reservation_id, action, store, request_id?, idempotency?}.
-- Output: {ok: true, reservation, changes, expired} or {ok: false, code, reservation?, changes, expired}.
create function public.finish_reservation(request jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claim jsonb;
  v_id uuid;
  v_hold public.reservations;
  v_action text := request ->> 'action';
  v_move jsonb;
  v_result jsonb;
begin
  v_claim := stockwire_private.idem_claim(request -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  begin
    v_id := (request ->> 'reservation_id')::uuid;
  exception when invalid_text_representation then
    v_id := null;
  end;
  select * into v_hold from public.reservations r where r.id = v_id;
  if not found or v_action not in ('commit', 'release') then
    return stockwire_private.idem_store(request -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', case when found then 'invalid_change' else 'reservation_not_found' end,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  -- Stock row first, then the hold: the lock order every function keeps.
  perform 1 from public.stock_levels s
   where s.product_id = v_hold.product_id and s.location = v_hold.location for update;
  select * into v_hold from public.reservations r where r.id = v_id for update;

  if v_hold.status = 'held' and v_hold.expires_at <= now() then
    -- Its time is up: release it (and any other expired hold there) and say so.
    v_move := stockwire_private.apply_move(v_hold.product_id, v_hold.location, 0, 0, false, 'expire',
                                           request ->> 'store', request ->> 'request_id', request ->> 'actor', null, null);
    select * into v_hold from public.reservations r where r.id = v_id;
    v_result := jsonb_build_object('ok', false, 'code', 'reservation_expired', 'reservation', to_jsonb(v_hold),
                                   'changes', v_move -> 'changes', 'expired', v_move -> 'expired');
  elsif v_hold.status <> 'held' then
    v_result := jsonb_build_object('ok', false, 'code', 'reservation_' || v_hold.status, 'reservation', to_jsonb(v_hold),
                                   'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  else
    v_move := stockwire_private.apply_move(
      v_hold.product_id, v_hold.location,
      case when v_action = 'commit' then -v_hold.quantity else 0 end, -v_hold.quantity, false,
      case when v_action = 'commit' then 'sale' else 'release' end,
      request ->> 'store', request ->> 'request_id', request ->> 'actor', v_hold.order_id, v_hold.id);
    update public.reservations r
       set status = case when v_action = 'commit' then 'committed' else 'released' end, updated_at = now()
     where r.id = v_id
    returning * into v_hold;
    v_result := jsonb_build_object('ok', true, 'reservation', to_jsonb(v_hold),
                                   'changes', v_move -> 'changes', 'expired', v_move -> 'expired');
  end if;
  return stockwire_private.idem_store(request -> 'idempotency', v_result);
end;
$$;

-- Releases holds whose time is up, at most `max_rows` stock rows per call. Safe to run from any
-- number of instances at once: each hold is expired by exactly one of them.
-- Output: {changes, expired}.
create function public.expire_reservations(max_rows integer, store text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  k record;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
begin
  for k in
    select distinct r.product_id, r.location
      from public.reservations r
     where r.status = 'held' and r.expires_at <= now()
     order by r.product_id, r.location
     limit greatest(max_rows, 1)
  loop
    v_move := stockwire_private.apply_move(k.product_id, k.location, 0, 0, false, 'expire',
                                           expire_reservations.store, null, 'system:expiry', null, null);
    v_changes := v_changes || (v_move -> 'changes');
    v_expired := v_expired || (v_move -> 'expired');
  end loop;
  return jsonb_build_object('changes', v_changes, 'expired', v_expired);
end;
$$;

-- Takes stock for every line of an order in one transaction, or for none.
-- Input: {order_id, lines: [{product_id, location, quantity}], store, request_id?, idempotency?}.
-- Output: {ok: true, order_id, lines, changes, expired}, {ok: true, duplicate: true, ...} for an
-- order_id applied before (each order is applied at most once), or
-- {ok: false, code, line: {index, product_id, location, available}} with nothing taken.
create function public.place_order(p_order jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
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

-- Keeps the HTTP response of a request made with an idempotency key, so a retry gets it verbatim.
create function public.save_idempotent_response(key text, status integer, body jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.idempotency_keys k
     set response_status = save_idempotent_response.status, response_body = save_idempotent_response.body
   where k.key = save_idempotent_response.key and k.result is not null
$$;

-- Forgets idempotency keys past their expiry.
create function public.purge_idempotency_keys()
returns integer
language sql
security definer
set search_path = ''
as $$
  with gone as (delete from public.idempotency_keys where expires_at <= now() returning 1)
  select count(*)::integer from gone
$$;

revoke execute on all functions in schema stockwire_private from public, anon, authenticated, service_role;
revoke execute on function public.apply_stock_changes(jsonb) from public, anon, authenticated;
revoke execute on function public.reserve_stock(jsonb) from public, anon, authenticated;
revoke execute on function public.finish_reservation(jsonb) from public, anon, authenticated;
revoke execute on function public.expire_reservations(integer, text) from public, anon, authenticated;
revoke execute on function public.place_order(jsonb) from public, anon, authenticated;
revoke execute on function public.save_idempotent_response(text, integer, jsonb) from public, anon, authenticated;
revoke execute on function public.purge_idempotency_keys() from public, anon, authenticated;
grant execute on function public.apply_stock_changes(jsonb) to service_role;
grant execute on function public.reserve_stock(jsonb) to service_role;
grant execute on function public.finish_reservation(jsonb) to service_role;
grant execute on function public.expire_reservations(integer, text) to service_role;
grant execute on function public.place_order(jsonb) to service_role;
grant execute on function public.save_idempotent_response(text, integer, jsonb) to service_role;
grant execute on function public.purge_idempotency_keys() to service_role;
