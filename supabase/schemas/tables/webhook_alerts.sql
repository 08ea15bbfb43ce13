-- Something about an endpoint that an admin must see: it failed for so long that it was disabled.
create table public.webhook_alerts (
  id bigint generated always as identity primary key,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  kind text not null check (kind in ('endpoint_disabled')),
  message text not null,
  created_at timestamptz not null default now()
);

alter table public.webhook_alerts enable row level security;
revoke all on public.webhook_alerts from anon, authenticated, service_role;
grant select on public.webhook_alerts to service_role;
