-- A product's line of the digest: id TAB name TAB description TAB low_stock_threshold. Columns the
-- digest does not name (created_at, and any added later) do not change it.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_line_product(p public.products)
returns text
language sql
immutable
as $$
  select p.id || E'\t' || p.name || E'\t' || p.description || E'\t' || p.low_stock_threshold
$$;

revoke execute on function stockwire_private.digest_line_product(public.products) from public, anon, authenticated, service_role;
