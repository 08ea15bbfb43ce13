-- A digest of everything a store caches, so that every store can check its cache against the truth
-- without loading it (anti-entropy). One line per product, in product id order (byte order):
--   id TAB name TAB description TAB low_stock_threshold, then per location in byte order
--   TAB location=on_hand/reserved@version
-- lines joined by a newline, md5 in hex. The API computes the same text from its cache
-- (apps/api/src/sync/inventory.digest.ts); a store whose digest differs reloads and repairs.
create function public.inventory_digest()
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'products', count(*),
    'rows', coalesce(sum(l.n), 0),
    'digest', md5(coalesce(string_agg(
      p.id || E'\t' || p.name || E'\t' || p.description || E'\t' || p.low_stock_threshold
        || coalesce(l.levels, ''),
      E'\n' order by p.id collate "C"), '')))
  from public.products p
  left join lateral (
    select count(*) as n,
           string_agg(
             E'\t' || s.location || '=' || s.on_hand || '/' || s.reserved || '@' || s.version,
             '' order by s.location collate "C") as levels
      from public.stock_levels s
     where s.product_id = p.id
  ) l on true;
$$;

revoke execute on function public.inventory_digest() from public, anon, authenticated;
grant execute on function public.inventory_digest() to service_role;
