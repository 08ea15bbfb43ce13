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
