-- How many buckets the anti-entropy digest splits the products into. The stores compute the same
-- buckets (apps/api/src/sync/bucket.digest.ts) and refuse a database that answers another count.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_bucket_count()
returns integer
language sql
immutable
as $$
  select 1024
$$;

revoke execute on function stockwire_private.digest_bucket_count() from public, anon, authenticated, service_role;
