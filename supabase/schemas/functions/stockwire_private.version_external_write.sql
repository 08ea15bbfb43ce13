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
