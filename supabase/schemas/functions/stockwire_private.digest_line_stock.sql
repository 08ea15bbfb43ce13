-- A stock row's line of the digest: product_id TAB location=on_hand/reserved@version. Columns the
-- digest does not name (updated_at, in_transit, and any added later) do not change it.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_line_stock(s public.stock_levels)
returns text
language sql
immutable
as $$
  select s.product_id || E'\t' || s.location || '=' || s.on_hand || '/' || s.reserved || '@' || s.version
$$;

revoke execute on function stockwire_private.digest_line_stock(public.stock_levels) from public, anon, authenticated, service_role;
