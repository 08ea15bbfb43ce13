-- The digest bucket of a product: the first 16 bits of md5(id), modulo the bucket count.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_bucket_of(p_id text)
returns integer
language sql
immutable
as $$
  select ('x' || left(md5(p_id), 4))::bit(16)::integer % stockwire_private.digest_bucket_count()
$$;

revoke execute on function stockwire_private.digest_bucket_of(text) from public, anon, authenticated, service_role;
