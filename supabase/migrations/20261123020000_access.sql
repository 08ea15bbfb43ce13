-- Who may change stock: API keys managed by admins (config keys live in the stores' environment),
-- and what the anon key may read: the public inventory view, nothing else.

create table public.api_keys (
  id text primary key check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  role text not null check (role in ('staff', 'admin')),
  -- SHA-256 of the secret; the secret itself is shown once, when the key is made.
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_by text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
alter table public.api_keys enable row level security;
revoke all on public.api_keys from anon, authenticated, service_role;
grant select on public.api_keys to service_role;

-- Input: {id, role, key_hash, created_by}. Output: {ok: true, key} or {ok: false, code: 'key_exists'}.
create function public.create_api_key(key jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys;
begin
  insert into public.api_keys (id, role, key_hash, created_by)
  values (key ->> 'id', key ->> 'role', key ->> 'key_hash', key ->> 'created_by')
  on conflict do nothing
  returning * into v_key;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'key_exists');
  end if;
  return jsonb_build_object('ok', true, 'key', to_jsonb(v_key) - 'key_hash');
end;
$$;

-- Output: {ok: true, key} or {ok: false, code: 'key_not_found'}; revoking twice keeps the first time.
create function public.revoke_api_key(key_id text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys;
begin
  update public.api_keys k set revoked_at = coalesce(k.revoked_at, now())
   where k.id = key_id
  returning * into v_key;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'key_not_found');
  end if;
  return jsonb_build_object('ok', true, 'key', to_jsonb(v_key) - 'key_hash');
end;
$$;

revoke execute on function public.create_api_key(jsonb) from public, anon, authenticated;
revoke execute on function public.revoke_api_key(text) from public, anon, authenticated;
grant execute on function public.create_api_key(jsonb) to service_role;
grant execute on function public.revoke_api_key(text) to service_role;

-- What anyone may read with the anon key: stock per product and location. A view with its owner's
-- rights, so the tables themselves keep no policy for anon at all.
create view public.public_inventory
with (security_invoker = false) as
select s.product_id, p.name, s.location, s.on_hand, s.reserved,
       s.on_hand - s.reserved as available, s.version, s.updated_at
  from public.stock_levels s
  join public.products p on p.id = s.product_id;
revoke all on public.public_inventory from public, anon, authenticated;
grant select on public.public_inventory to anon, authenticated, service_role;
