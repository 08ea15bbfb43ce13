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
create function public.apply_stock_changes(changes jsonb)
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
