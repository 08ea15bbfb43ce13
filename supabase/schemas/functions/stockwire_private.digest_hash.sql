-- A line's share of its bucket's digest: the first 64 bits of its md5, as a signed bigint.
create function stockwire_private.digest_hash(p_line text)
returns bigint
language sql
immutable
set search_path = ''
as $$
  select ('x' || left(md5(p_line), 16))::bit(64)::bigint
$$;

revoke execute on function stockwire_private.digest_hash(text) from public, anon, authenticated, service_role;
