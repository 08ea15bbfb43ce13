-- API keys managed by admins (config keys live in the stores' environment).
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
