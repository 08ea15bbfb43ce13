-- The digest bucket of a product: the first 16 bits of md5(id), modulo the bucket count.
create function stockwire_private.digest_bucket_of(p_id text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select ('x' || left(md5(p_id), 4))::bit(16)::integer % stockwire_private.digest_bucket_count()
$$;

revoke execute on function stockwire_private.digest_bucket_of(text) from public, anon, authenticated, service_role;
