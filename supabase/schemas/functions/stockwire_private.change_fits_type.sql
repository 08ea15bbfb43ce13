-- Whether a change of on-hand stock has the sign its update type requires: sales and damage take
-- stock away, restocks and returns add it, an adjustment goes either way; zero is never a movement,
-- and an unknown type fits nothing. A transfer takes stock out of its origin (`transfer_out`) and
-- adds it at its destination on receipt (`transfer_in`) or back at its origin on cancelling
-- (`transfer_cancel`). The ledger's check constraint and apply_stock_changes' refusals
-- are this one rule, and so is changeFitsType in packages/domain (a test holds the two together).
-- Immutable and without a search_path setting, so that Postgres inlines it where it is used; it
-- reads no table.
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
           when 'transfer_out' then change < 0
           when 'transfer_in' then change > 0
           when 'transfer_cancel' then change > 0
           else false
         end
$$;

revoke execute on function stockwire_private.change_fits_type(text, integer) from public, anon, authenticated, service_role;
