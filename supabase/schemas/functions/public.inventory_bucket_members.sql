-- The ids of the products in the given digest buckets, in id order: what a store reads again when
-- the digests of those buckets differ from its cache's.
create function public.inventory_bucket_members(buckets integer[])
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(p.id order by p.id collate "C"), '[]')
    from public.products p
   where stockwire_private.digest_bucket_of(p.id) = any (buckets);
$$;

revoke execute on function public.inventory_bucket_members(integer[]) from public, anon, authenticated;
grant execute on function public.inventory_bucket_members(integer[]) to service_role;
