-- Transfers between locations: a transfer takes its lines out of one location (`transfer_out`),
-- holds them in transit on the destination's stock row, and ends by being received there
-- (`transfer_in`) or cancelled back to where it came from (`transfer_cancel`). The ledger rows of
-- each step carry the transfer's id.

alter table public.inventory_events add column transfer_id text;
create index inventory_events_transfer on public.inventory_events (transfer_id) where transfer_id is not null;

-- Transfers: one movement of stock with two ends. create_transfer takes every line out of
-- `from_location` (ledger rows `transfer_out`) and puts it in transit on the destination's stock
-- row; receive_transfer brings what arrived onto `to_location`'s shelf (`transfer_in`), and
-- cancel_transfer returns what is still in transit to `from_location` (`transfer_cancel`). The id is
-- the caller's (or made for it), so a retried create finds the transfer it made. `receipts` counts
-- the receive steps, which name their webhook events.
create table public.transfers (
  id text primary key check (length(id) between 1 and 128),
  seq bigint generated always as identity unique,
  from_location text not null references public.locations (id),
  to_location text not null references public.locations (id),
  status text not null default 'in_transit'
    check (status in ('in_transit', 'partially_received', 'received', 'cancelled')),
  receipts integer not null default 0 check (receipts >= 0),
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (from_location <> to_location)
);
create index transfers_from_location on public.transfers (from_location, seq);
create index transfers_to_location on public.transfers (to_location, seq);
create index transfers_status on public.transfers (status, seq);

alter table public.transfers enable row level security;
revoke all on public.transfers from anon, authenticated, service_role;
grant select on public.transfers to service_role;

-- The lines of a transfer: what was sent, and how much of it has been received or cancelled. What
-- is still in transit is the rest, and it never goes below zero.
create table public.transfer_lines (
  transfer_id text not null references public.transfers (id) on delete cascade,
  line integer not null check (line >= 0),
  product_id text not null references public.products (id) on delete cascade,
  quantity integer not null check (quantity > 0),
  received integer not null default 0 check (received >= 0),
  cancelled integer not null default 0 check (cancelled >= 0),
  primary key (transfer_id, line),
  unique (transfer_id, product_id),
  check (received + cancelled <= quantity)
);
create index transfer_lines_product on public.transfer_lines (product_id);

alter table public.transfer_lines enable row level security;
revoke all on public.transfer_lines from anon, authenticated, service_role;
grant select on public.transfer_lines to service_role;

-- Whether a change of on-hand stock has the sign its update type requires: sales and damage take
-- stock away, restocks and returns add it, an adjustment goes either way; zero is never a movement,
-- and an unknown type fits nothing. A transfer takes stock out of its origin (`transfer_out`) and
-- adds it at its destination on receipt (`transfer_in`) or back at its origin on cancelling
-- (`transfer_cancel`). The ledger's check constraint and apply_stock_changes' refusals
-- are this one rule, and so is changeFitsType in packages/domain (a test holds the two together).
-- Immutable and without a search_path setting, so that Postgres inlines it where it is used; it
-- reads no table.
create or replace function stockwire_private.change_fits_type(update_type text, change integer)
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
           when 'transfer_out' then change < 0
           when 'transfer_in' then change > 0
           when 'transfer_cancel' then change > 0
           else false
         end
$$;

revoke execute on function stockwire_private.change_fits_type(text, integer) from public, anon, authenticated, service_role;

-- apply_move gains what it does to in transit and the transfer its ledger row belongs to.
drop function stockwire_private.apply_move(text, text, integer, integer, boolean, text, text, text, text, text, uuid);

-- One guarded movement at (p, l): d_on_hand to on hand, d_reserved to reserved, d_in_transit to
-- what is in transit there, the way every function that moves stock makes it. It locks the stock row, releases the holds at that row whose
-- time is up (so expired holds stop counting at once, whether or not a sweeper has run), applies
-- the change if move_refusal allows it, with one version bump, and writes the ledger row. With
-- may_create, a positive change to on hand or to in transit makes the row if it does not exist.
-- In transit never goes below zero nor past the integer range; a ledger row carries the transfer
-- (p_transfer_id) the movement is a step of.
-- Returns {ok, code?, available?, changes: [row change], expired: [hold]}: the row change for the
-- caller to publish, the holds that expired on the way for the caller to notify.
-- Lock order everywhere: stock rows (sorted by product, location), then reservation rows.
create function stockwire_private.apply_move(
  p text, l text, d_on_hand integer, d_reserved integer, may_create boolean, move_type text,
  p_store text, p_request_id text, p_actor text, p_order_id text, p_reservation_id uuid,
  d_in_transit integer default 0, p_transfer_id text default null)
returns jsonb
language plpgsql
set search_path = ''
-- Marks its writes of stock rows as the functions' own: see stockwire_private.version_external_write.
set stockwire.writer = 'apply_move'
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

  if d_on_hand = 0 and d_reserved = 0 and d_in_transit = 0 and v_freed = 0 then
    return jsonb_build_object('ok', true, 'changes', '[]'::jsonb, 'expired', v_expired);
  end if;

  if may_create and d_on_hand >= 0 and d_in_transit >= 0 and d_on_hand + d_in_transit > 0
     and d_reserved = 0 then
    insert into public.stock_levels as s (product_id, location, on_hand, in_transit)
    values (p, l, d_on_hand, d_in_transit)
    on conflict (product_id, location) do update
      set on_hand = s.on_hand + excluded.on_hand,
          reserved = s.reserved - v_freed,
          in_transit = s.in_transit + excluded.in_transit,
          version = s.version + 1,
          updated_at = now()
      where stockwire_private.move_refusal(s.on_hand, s.reserved - v_freed, excluded.on_hand, 0) is null
        and s.in_transit::bigint + excluded.in_transit <= 2147483647
    returning s.* into v_row;
  else
    update public.stock_levels s
       set on_hand = s.on_hand + d_on_hand,
           reserved = s.reserved - v_freed + d_reserved,
           in_transit = s.in_transit + d_in_transit,
           version = s.version + 1,
           updated_at = now()
     where s.product_id = p
       and s.location = l
       and stockwire_private.move_refusal(s.on_hand, s.reserved - v_freed, d_on_hand, d_reserved) is null
       and s.in_transit::bigint + d_in_transit between 0 and 2147483647
    returning s.* into v_row;
  end if;
  v_ok := found;

  if not v_ok then
    -- The row as it is (none: nothing to move), and why the guard refused the movement.
    select s.* into v_row from public.stock_levels s where s.product_id = p and s.location = l;
    v_code := coalesce(
      stockwire_private.move_refusal(v_row.on_hand, v_row.reserved - v_freed, d_on_hand, d_reserved),
      case when d_in_transit > 0 then 'quantity_out_of_range' else 'insufficient_stock' end);
    if v_freed > 0 then
      -- The movement is refused, but the holds that ran out are released all the same.
      update public.stock_levels s
         set reserved = s.reserved - v_freed, version = s.version + 1, updated_at = now()
       where s.product_id = p and s.location = l
      returning s.* into v_row;
      v_type := 'expire';
      d_on_hand := 0;
      d_reserved := 0;
      d_in_transit := 0;
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
       request_id, store, actor, order_id, reservation_id, transfer_id)
    values
      (p, l, move_type, d_on_hand, v_row.on_hand - d_on_hand, v_row.on_hand, v_row.version,
       p_request_id, coalesce(p_store, 'unknown'), p_actor, p_order_id, p_reservation_id, p_transfer_id)
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
      'in_transit', v_row.in_transit,
      'version', v_row.version,
      'updated_at', v_row.updated_at,
      'change', d_on_hand,
      'reserved_change', d_reserved - v_freed,
      'in_transit_change', d_in_transit,
      'update_type', v_type,
      'event_id', v_event,
      'order_id', p_order_id,
      'reservation_id', p_reservation_id,
      'transfer_id', p_transfer_id)),
    'expired', v_expired);
end;
$$;

revoke execute on function stockwire_private.apply_move(text, text, integer, integer, boolean, text, text, text, text, text, uuid, integer, text) from public, anon, authenticated, service_role;

-- Before a stock row is written: a write that did not come through Stockwire's functions (psql,
-- Studio, another service's SQL) is versioned here, as the functions version their own: one more
-- than the row had, whatever the writer set, so stores keep applying changes by version. A write
-- that leaves on hand, reserved and in transit as they were keeps the version: no store has anything to learn.
-- Run by the trigger stock_levels_version_external.
--
-- The functions that write stock rows (apply_stock_changes, apply_move, create_product) carry
-- `set stockwire.writer = '<name>'` in their definition: Postgres sets it on entry and restores it
-- on exit, errors included, so it marks exactly the writes made inside them and no other write of
-- the same transaction. It tells intent, not authority: only roles that may write the table at all
-- (its owner, superusers) can make an external write.
create or replace function stockwire_private.version_external_write()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if nullif(current_setting('stockwire.writer', true), '') is not null then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.version := 1;
  elsif (new.on_hand, new.reserved, new.in_transit)
        is not distinct from (old.on_hand, old.reserved, old.in_transit) then
    new.version := old.version;
    return new;
  else
    new.version := old.version + 1;
  end if;
  new.updated_at := now();
  return new;
end;
$$;

revoke execute on function stockwire_private.version_external_write() from public, anon, authenticated, service_role;

-- After a stock row is written: tells the stores of a change they would not hear of otherwise,
-- with pg_notify on channel `stock_changes`; a store listening there relays it to Redis
-- (apps/api/src/sync/external-writes.relay.ts). Run by the trigger stock_levels_announce.
--   - An external write (see version_external_write) gets its ledger row here, in the same
--     transaction: update_type `external`, store `external`, actor `role:<the writing role>`, the
--     on-hand quantity before and after. A change to reserved alone has no ledger row (the ledger
--     records on-hand stock), but is announced.
--   - A write by the functions is announced unless a store called them: a store publishes its own
--     writes on Redis, and says who it is with the header `X-Stockwire-Store`, which PostgREST
--     hands to the transaction in `request.headers`. Another service calling rpc/apply_stock_changes,
--     or anyone calling the functions in SQL, sends no such header, and its writes are announced.
-- Payload: {product_id, location, on_hand, reserved, in_transit, version, updated_at, change, reserved_change,
-- update_type, event_id}; update_type and event_id are null for a write by the functions (its
-- ledger row is written after the row, and the relay reads it).
create or replace function stockwire_private.announce_stock_write()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_on_hand integer := 0;
  v_reserved integer := 0;
  v_external boolean := nullif(current_setting('stockwire.writer', true), '') is null;
  v_event bigint;
begin
  if tg_op = 'UPDATE' then
    if new.version = old.version then
      return null;
    end if;
    v_on_hand := old.on_hand;
    v_reserved := old.reserved;
  end if;
  if not v_external
     and nullif(current_setting('request.headers', true), '')::jsonb ? 'x-stockwire-store' then
    return null;
  end if;
  if v_external and new.on_hand <> v_on_hand then
    insert into public.inventory_events
      (product_id, location, update_type, change, previous_quantity, new_quantity, version, store, actor)
    values
      (new.product_id, new.location, 'external', new.on_hand - v_on_hand, v_on_hand, new.on_hand,
       new.version, 'external', 'role:' || current_user)
    returning id into v_event;
  end if;
  perform pg_notify('stock_changes', json_build_object(
    'product_id', new.product_id,
    'location', new.location,
    'on_hand', new.on_hand,
    'reserved', new.reserved,
    'in_transit', new.in_transit,
    'version', new.version,
    'updated_at', new.updated_at,
    'change', new.on_hand - v_on_hand,
    'reserved_change', new.reserved - v_reserved,
    'update_type', case when v_external then 'external' end,
    'event_id', v_event)::text);
  return null;
end;
$$;

revoke execute on function stockwire_private.announce_stock_write() from public, anon, authenticated, service_role;

-- What anyone may read with the anon key: stock per product and location. A view with its owner's
-- rights, so the tables themselves keep no policy for anon at all.
create or replace view public.public_inventory
with (security_invoker = false) as
select s.product_id, p.name, s.location, s.on_hand, s.reserved,
       s.on_hand - s.reserved as available, s.version, s.updated_at,
       s.in_transit
  from public.stock_levels s
  join public.products p on p.id = s.product_id;
revoke all on public.public_inventory from public, anon, authenticated;
grant select on public.public_inventory to anon, authenticated, service_role;

-- A transfer as the API shows it: its ends, its status and its lines, each with what is still in
-- transit. `seq` orders transfers by creation and pages GET /transfers. Null for no such transfer.
create function stockwire_private.transfer_json(p_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
           'transfer_id', t.id,
           'seq', t.seq,
           'from', t.from_location,
           'to', t.to_location,
           'status', t.status,
           'receipts', t.receipts,
           'store', t.store,
           'actor', t.actor,
           'created_at', t.created_at,
           'updated_at', t.updated_at,
           'lines', (select coalesce(jsonb_agg(jsonb_build_object(
                              'product_id', x.product_id,
                              'quantity', x.quantity,
                              'received', x.received,
                              'cancelled', x.cancelled,
                              'in_transit', x.quantity - x.received - x.cancelled) order by x.line),
                            '[]'::jsonb)
                       from public.transfer_lines x
                      where x.transfer_id = t.id))
    from public.transfers t
   where t.id = p_id
$$;

revoke execute on function stockwire_private.transfer_json(text) from public, anon, authenticated, service_role;

-- The answer to a create_transfer whose id was made before: the transfer, as a duplicate, when it
-- was made with the same from, to and lines (in order); `transfer_exists` when with others; null
-- when there is no such transfer yet.
create function stockwire_private.transfer_replay(p_id text, p_from text, p_to text, p_lines jsonb)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select case when same
              then jsonb_build_object('ok', true, 'duplicate', true)
              else jsonb_build_object('ok', false, 'code', 'transfer_exists')
         end
         || jsonb_build_object('transfer', stockwire_private.transfer_json(p_id),
                               'changes', '[]'::jsonb, 'expired', '[]'::jsonb)
    from (select t.from_location = p_from and t.to_location = p_to
                 and (select jsonb_agg(jsonb_build_object('product_id', x.product_id,
                                                          'quantity', x.quantity) order by x.line)
                        from public.transfer_lines x
                       where x.transfer_id = t.id) = p_lines as same
            from public.transfers t
           where t.id = p_id) existing
$$;

revoke execute on function stockwire_private.transfer_replay(text, text, text, jsonb) from public, anon, authenticated, service_role;

-- Sends stock from one location to another: takes every line out of `from` in one transaction,
-- guarded like a sale (never below what is reserved; all lines or none), and puts it in transit on
-- the stock row of `to` (made if it does not exist). Each transfer id is applied at most once.
-- Input: {transfer_id, from, to, lines: [{product_id, quantity}], store, request_id?, actor?,
-- idempotency?}.
-- Output: {ok: true, transfer, changes, expired}; {ok: true, duplicate: true, transfer, ...} for a
-- transfer id made before with the same from, to and lines; or {ok: false, code, field?,
-- location?, line?: {index, product_id, location, available}, transfer?} with nothing written:
-- `transfer_exists` (the id was made with another body), a location refusal of `from` or `to`,
-- `product_not_found`, `insufficient_stock` or `quantity_out_of_range` for a line.
create function public.create_transfer(p_transfer jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claim jsonb;
  v_id text := p_transfer ->> 'transfer_id';
  v_from text := p_transfer ->> 'from';
  v_to text := p_transfer ->> 'to';
  v_lines jsonb;
  v_line jsonb;
  v_index integer := 0;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
  v_result jsonb;
  v_code text;
  v_detail text;
begin
  v_claim := stockwire_private.idem_claim(p_transfer -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  if jsonb_typeof(p_transfer -> 'lines') is distinct from 'array'
     or jsonb_array_length(p_transfer -> 'lines') = 0 then
    raise exception 'lines must be a non-empty JSON array' using errcode = '22023';
  end if;
  select jsonb_agg(jsonb_build_object('product_id', x ->> 'product_id',
                                      'quantity', (x ->> 'quantity')::integer) order by n)
    into v_lines
    from jsonb_array_elements(p_transfer -> 'lines') with ordinality as l(x, n);

  v_result := stockwire_private.transfer_replay(v_id, v_from, v_to, v_lines);
  if v_result is not null then
    return stockwire_private.idem_store(p_transfer -> 'idempotency', v_result);
  end if;

  v_code := stockwire_private.location_refusal(v_from);
  if v_code is not null then
    return stockwire_private.idem_store(p_transfer -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_code, 'field', 'from', 'location', v_from,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;
  v_code := stockwire_private.location_refusal(v_to);
  if v_code is not null then
    return stockwire_private.idem_store(p_transfer -> 'idempotency', jsonb_build_object(
      'ok', false, 'code', v_code, 'field', 'to', 'location', v_to,
      'changes', '[]'::jsonb, 'expired', '[]'::jsonb));
  end if;

  perform stockwire_private.lock_rows(
    (select jsonb_agg(jsonb_build_object('product_id', x ->> 'product_id', 'location', e))
       from jsonb_array_elements(v_lines) x, unnest(array[v_from, v_to]) e));
  begin
    insert into public.transfers (id, from_location, to_location, store, request_id, actor)
    values (v_id, v_from, v_to, coalesce(p_transfer ->> 'store', 'unknown'),
            p_transfer ->> 'request_id', p_transfer ->> 'actor');
    for v_line in select value from jsonb_array_elements(v_lines) loop
      if not exists (select 1 from public.products p where p.id = v_line ->> 'product_id') then
        raise exception 'product_not_found' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_from, 'available', 0)::text;
      end if;
      v_move := stockwire_private.apply_move(
        v_line ->> 'product_id', v_from, -(v_line ->> 'quantity')::integer, 0, false, 'transfer_out',
        p_transfer ->> 'store', p_transfer ->> 'request_id', p_transfer ->> 'actor', null, null,
        0, v_id);
      if not (v_move ->> 'ok')::boolean then
        raise exception '%', v_move ->> 'code' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_from, 'available', v_move -> 'available')::text;
      end if;
      v_changes := v_changes || (v_move -> 'changes');
      v_expired := v_expired || (v_move -> 'expired');
      v_move := stockwire_private.apply_move(
        v_line ->> 'product_id', v_to, 0, 0, true, 'transfer_out',
        p_transfer ->> 'store', p_transfer ->> 'request_id', p_transfer ->> 'actor', null, null,
        (v_line ->> 'quantity')::integer, v_id);
      if not (v_move ->> 'ok')::boolean then
        raise exception '%', v_move ->> 'code' using errcode = 'SW409',
          detail = jsonb_build_object('index', v_index, 'product_id', v_line ->> 'product_id',
                                      'location', v_to, 'available', v_move -> 'available')::text;
      end if;
      v_changes := v_changes || (v_move -> 'changes');
      v_expired := v_expired || (v_move -> 'expired');
      insert into public.transfer_lines (transfer_id, line, product_id, quantity)
      values (v_id, v_index, v_line ->> 'product_id', (v_line ->> 'quantity')::integer);
      v_index := v_index + 1;
    end loop;
    v_result := jsonb_build_object('ok', true, 'transfer', stockwire_private.transfer_json(v_id),
                                   'changes', v_changes, 'expired', v_expired);
  exception when sqlstate 'SW409' then
    -- Everything this transfer did is rolled back to here: nothing was taken.
    get stacked diagnostics v_code = message_text, v_detail = pg_exception_detail;
    v_result := jsonb_build_object('ok', false, 'code', v_code, 'line', v_detail::jsonb,
                                   'changes', '[]'::jsonb, 'expired', '[]'::jsonb);
  when unique_violation then
    -- The same transfer id made by a concurrent call, which has committed: answer as a retry.
    v_result := stockwire_private.transfer_replay(v_id, v_from, v_to, v_lines);
  end;
  return stockwire_private.idem_store(p_transfer -> 'idempotency', v_result);
end;
$$;

revoke execute on function public.create_transfer(jsonb) from public, anon, authenticated;
grant execute on function public.create_transfer(jsonb) to service_role;

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
  select * into v_transfer from public.transfers t where t.id = v_id for update;
  if not found then
    v_result := jsonb_build_object('ok', false, 'code', 'transfer_not_found');
  elsif v_transfer.status in ('received', 'cancelled') then
    v_result := jsonb_build_object('ok', false, 'code', 'transfer_finished',
                                   'transfer', stockwire_private.transfer_json(v_id));
  else
    v_code := stockwire_private.location_refusal(v_transfer.to_location);
    if v_code is not null then
      v_result := jsonb_build_object('ok', false, 'code', v_code, 'field', 'to',
                                     'location', v_transfer.to_location);
    end if;
  end if;
  if v_result is not null then
    return stockwire_private.idem_store(p_receipt -> 'idempotency',
                                        v_result || '{"changes": [], "expired": []}'::jsonb);
  end if;

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
  v_code text;
begin
  v_claim := stockwire_private.idem_claim(p_cancel -> 'idempotency');
  if v_claim is not null then
    return v_claim;
  end if;
  select * into v_transfer from public.transfers t where t.id = v_id for update;
  if not found then
    v_result := jsonb_build_object('ok', false, 'code', 'transfer_not_found');
  elsif v_transfer.status in ('received', 'cancelled') then
    v_result := jsonb_build_object('ok', false, 'code', 'transfer_finished',
                                   'transfer', stockwire_private.transfer_json(v_id));
  else
    v_code := stockwire_private.location_refusal(v_transfer.from_location);
    if v_code is not null then
      v_result := jsonb_build_object('ok', false, 'code', v_code, 'field', 'from',
                                     'location', v_transfer.from_location);
    end if;
  end if;
  if v_result is not null then
    return stockwire_private.idem_store(p_cancel -> 'idempotency',
                                        v_result || '{"changes": [], "expired": []}'::jsonb);
  end if;

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

-- Transfers, newest first: {transfers: [transfer]}, at most `limit`, narrowed by `transfer_id`,
-- `status`, `location` (either end), `from`, `to`, and `before` (an exclusive bound on `seq`).
create function public.list_transfers(p_query jsonb)
returns jsonb
language sql
stable
security definer set search_path = ''
as $$
  select jsonb_build_object('transfers', coalesce(jsonb_agg(stockwire_private.transfer_json(t.id) order by t.seq desc), '[]'::jsonb))
    from (select t.id, t.seq
            from public.transfers t
           where (p_query ->> 'transfer_id' is null or t.id = p_query ->> 'transfer_id')
             and (p_query ->> 'status' is null or t.status = p_query ->> 'status')
             and (p_query ->> 'location' is null
                  or t.from_location = p_query ->> 'location' or t.to_location = p_query ->> 'location')
             and (p_query ->> 'from' is null or t.from_location = p_query ->> 'from')
             and (p_query ->> 'to' is null or t.to_location = p_query ->> 'to')
             and (p_query ->> 'before' is null or t.seq < (p_query ->> 'before')::bigint)
           order by t.seq desc
           limit coalesce((p_query ->> 'limit')::integer, 50)) t
$$;

revoke execute on function public.list_transfers(jsonb) from public, anon, authenticated;
grant execute on function public.list_transfers(jsonb) to service_role;

-- `transfer.created` when a transfer is made, `transfer.received` at each receipt, and
-- `transfer.cancelled` when it is cancelled, each with the transfer as the API shows it. The
-- stock rows' own events (`stock.changed`) follow the ledger rows of each step.
create function stockwire_private.webhook_transfer()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_type text;
  v_message text;
begin
  if tg_op = 'INSERT' then
    v_type := 'transfer.created';
    v_message := 'transfer_' || new.id || '_created';
  elsif new.status = 'cancelled' and old.status <> 'cancelled' then
    v_type := 'transfer.cancelled';
    v_message := 'transfer_' || new.id || '_cancelled';
  elsif new.receipts > old.receipts then
    v_type := 'transfer.received';
    v_message := 'transfer_' || new.id || '_received_' || new.receipts;
  else
    return null;
  end if;
  if stockwire_private.wants_webhook(v_type) then
    -- A new transfer's lines are written after its row: the deferred trigger sees them.
    perform stockwire_private.enqueue_webhook(
      v_type, v_message, null, null,
      stockwire_private.transfer_json(new.id) - 'seq');
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_transfer() from public, anon, authenticated, service_role;

-- Every step of a transfer: see functions/stockwire_private.webhook_transfer.sql. Deferred to the
-- end of the transaction, so that a new transfer's event carries the lines written after its row.
create constraint trigger transfers_webhook
  after insert or update on public.transfers
  deferrable initially deferred
  for each row
  execute function stockwire_private.webhook_transfer();

