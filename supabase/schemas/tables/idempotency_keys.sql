-- Idempotency keys of write requests: what the request was (scope, hash), what it did (result) and
-- what the store answered (response_*), so that a retry gets the same answer. Private to the functions.
create table public.idempotency_keys (
  key text primary key,
  scope text not null,
  request_hash text not null,
  result jsonb,
  response_status integer,
  response_body jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index idempotency_keys_expiry on public.idempotency_keys (expires_at);

alter table public.idempotency_keys enable row level security;
revoke all on public.idempotency_keys from anon, authenticated, service_role;
