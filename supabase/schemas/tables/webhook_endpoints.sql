-- Systems that act on stock events (an e-commerce front, purchasing, an ERP) and the events each
-- wants. Rows are written by the webhook functions only; `secret` signs every delivery (Standard
-- Webhooks) and is read by the delivery worker alone, never listed.
create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  url text not null check (url ~ '^https?://' and length(url) <= 2048),
  events text[] not null check (cardinality(events) between 1 and 32),
  -- Null: every location (product); else only events about these.
  locations text[],
  products text[],
  description text not null default '' check (length(description) <= 500),
  secret text not null check (secret ~ '^whsec_'),
  enabled boolean not null default true,
  -- Since when every attempt has failed; null after a success. A day of it disables the endpoint.
  failing_since timestamptz,
  disabled_reason text,
  created_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table public.webhook_endpoints enable row level security;
revoke all on public.webhook_endpoints from anon, authenticated, service_role;
grant select on public.webhook_endpoints to service_role;
