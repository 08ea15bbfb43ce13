-- The guard of every stock movement: why a stock row holding (on_hand, reserved) may not move by
-- (d_on_hand, d_reserved), or null when it may. On hand never drops below what is reserved (no
-- oversell), reserved never below zero, on hand never past the integer range. apply_move writes a
-- movement only where this is null, and apply_stock_changes decides its batched changes by it.
-- Immutable and without a search_path setting, so that Postgres inlines it where it is used; it
-- reads no table.
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
