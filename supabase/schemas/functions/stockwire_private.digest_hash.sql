-- A line's share of its bucket's digest: the first 64 bits of its md5, as a signed bigint.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_hash(p_line text)
returns bigint
language sql
immutable
as $$
  select ('x' || left(md5(p_line), 16))::bit(64)::bigint
$$;

revoke execute on function stockwire_private.digest_hash(text) from public, anon, authenticated, service_role;
