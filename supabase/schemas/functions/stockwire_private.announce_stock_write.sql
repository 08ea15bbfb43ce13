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
