-- What anyone may read with the anon key: stock per product and location. A view with its owner's
-- rights, so the tables themselves keep no policy for anon at all.
create view public.public_inventory
with (security_invoker = false) as
select s.product_id, p.name, s.location, s.on_hand, s.reserved,
       s.on_hand - s.reserved as available, s.version, s.updated_at,
       s.in_transit
  from public.stock_levels s
  join public.products p on p.id = s.product_id;
revoke all on public.public_inventory from public, anon, authenticated;
grant select on public.public_inventory to anon, authenticated, service_role;
