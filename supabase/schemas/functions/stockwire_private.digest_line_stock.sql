-- A stock row's line of the digest: product_id TAB location=on_hand/reserved@version. Columns the
-- digest does not name (updated_at, in_transit, and any added later) do not change it.
create function stockwire_private.digest_line_stock(s public.stock_levels)
returns text
language sql
immutable
set search_path = ''
as $$
  select s.product_id || E'\t' || s.location || '=' || s.on_hand || '/' || s.reserved || '@' || s.version
$$;

revoke execute on function stockwire_private.digest_line_stock(public.stock_levels) from public, anon, authenticated, service_role;
