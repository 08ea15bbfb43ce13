-- One rule for the sign of a change, and one guard for every movement of stock.
--
-- Until now the rule "sales and damage take stock away, restocks and returns add it, adjustments go
-- either way, zero is no movement" was written out in each version of apply_stock_changes, while the
-- ledger's check constraint knew only the type names; and the guard "never below what is reserved,
-- never past the integer range" stood twice: in apply_move's WHERE clauses and, on variables, in
-- the batched apply_stock_changes of 20261130000000_faster_changes.sql. Each is now one function:
--   stockwire_private.change_fits_type(update_type, change): the sign rule, also the ledger's check
--     constraint (stricter than the two it replaces; every row the functions wrote fits it);
--   stockwire_private.move_refusal(on_hand, reserved, d_on_hand, d_reserved): the guard, null when
--     a movement may be made, else the refusal code the functions answer with.
-- apply_move (holds, orders, expiry, and the batch's rows with holds to release or no row yet) and
-- apply_stock_changes' batched rows decide by move_refusal. Both are SQL functions Postgres inlines,
-- so the batch costs what it cost. Contracts, results, rows and grants stay as they were.
--
-- The current definitions are in supabase/schemas/; apps/api/test/schema.test.ts checks that the
-- migrations build the same database.

create function stockwire_private.change_fits_type(update_type text, change integer)
returns boolean
language sql
immutable
as $$
  select case update_type
           when 'sale' then change < 0
           when 'damage' then change < 0
           when 'restock' then change > 0
           when 'return' then change > 0
           when 'adjustment' then change <> 0
           else false
         end
$$;

revoke execute on function stockwire_private.change_fits_type(text, integer) from public, anon, authenticated, service_role;

create function stockwire_private.move_refusal(
  on_hand integer, reserved integer, d_on_hand integer, d_reserved integer)
returns text
language sql
immutable
as $$
  select case
           when on_hand::bigint + d_on_hand between reserved::bigint + d_reserved and 2147483647
            and reserved::bigint + d_reserved >= 0 then null
           when d_on_hand > 0 then 'quantity_out_of_range'
           else 'insufficient_stock'
         end
$$;

revoke execute on function stockwire_private.move_refusal(integer, integer, integer, integer) from public, anon, authenticated, service_role;

alter table public.inventory_events
  drop constraint inventory_events_update_type_check,
  drop constraint inventory_events_change_check,
  add constraint inventory_events_change_fits_type check (stockwire_private.change_fits_type(update_type, change));

create or replace function stockwire_private.apply_move(
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
      where stockwire_private.move_refusal(s.on_hand, s.reserved - v_freed, excluded.on_hand, 0) is null
    returning s.* into v_row;
  else
    update public.stock_levels s
       set on_hand = s.on_hand + d_on_hand,
           reserved = s.reserved - v_freed + d_reserved,
           version = s.version + 1,
           updated_at = now()
     where s.product_id = p
       and s.location = l
       and stockwire_private.move_refusal(s.on_hand, s.reserved - v_freed, d_on_hand, d_reserved) is null
    returning s.* into v_row;
  end if;
  v_ok := found;

  if not v_ok then
    -- The row as it is (none: nothing to move), and why the guard refused the movement.
    select s.* into v_row from public.stock_levels s where s.product_id = p and s.location = l;
    v_code := stockwire_private.move_refusal(v_row.on_hand, v_row.reserved - v_freed, d_on_hand, d_reserved);
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

create or replace function public.apply_stock_changes(changes jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
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
    select i.*, p.low_stock_threshold as threshold, q.slot
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
