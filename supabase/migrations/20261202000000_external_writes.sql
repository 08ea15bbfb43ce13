-- Changes from anywhere: a write of a stock row that does not come through Stockwire's functions
-- (psql, Studio, another service's SQL) is versioned, ledgered and announced by the database, and
-- so is a write through the functions by anyone but a store.
--   - apply_stock_changes, apply_move and create_product, the functions that write stock rows, say
--     so with `set stockwire.writer = '<name>'`: set on entry, restored on exit, so it marks their
--     writes and no other write of the same transaction.
--   - stockwire_private.version_external_write (trigger stock_levels_version_external, before):
--     an unmarked write gets the next version, as the functions would give it.
--   - stockwire_private.announce_stock_write (trigger stock_levels_announce, after): an unmarked
--     write gets its ledger row (update_type `external`, actor `role:<writing role>`), and the
--     change is announced with pg_notify on `stock_changes`, unless a store made it (the header
--     X-Stockwire-Store, in PostgREST's request.headers): the stores publish their own writes.
--   - The ledger's sign rule admits `external` rows of any sign but zero; the functions still
--     refuse `external` as a type of change (change_fits_type is unchanged).
-- A listening store relays each announcement to Redis once (apps/api/src/sync/).
--
-- The current definitions are in supabase/schemas/; apps/api/test/schema.test.ts checks that the
-- migrations build the same database.

alter function stockwire_private.apply_move(text, text, integer, integer, boolean, text, text, text, text, text, uuid)
  set stockwire.writer = 'apply_move';
alter function public.apply_stock_changes(jsonb) set stockwire.writer = 'apply_stock_changes';
alter function public.create_product(jsonb) set stockwire.writer = 'create_product';

alter table public.inventory_events
  drop constraint inventory_events_change_fits_type,
  add constraint inventory_events_change_fits_type check (
    stockwire_private.change_fits_type(update_type, change) or (update_type = 'external' and change <> 0));

--
create function stockwire_private.version_external_write()
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
  elsif (new.on_hand, new.reserved) is not distinct from (old.on_hand, old.reserved) then
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

create function stockwire_private.announce_stock_write()
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

create trigger stock_levels_version_external
  before insert or update on public.stock_levels
  for each row
  execute function stockwire_private.version_external_write();

create trigger stock_levels_announce
  after insert or update on public.stock_levels
  for each row
  execute function stockwire_private.announce_stock_write();

