-- Every delivery attempt, opened when a worker claims the delivery (`in_flight`) and closed with
-- what the receiver answered. An attempt whose worker died stays visible as `lease_expired` when
-- another worker claims the delivery again.
create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references public.webhook_deliveries (id) on delete cascade,
  worker text not null,
  outcome text not null default 'in_flight'
    check (outcome in ('in_flight', 'delivered', 'retry', 'failed', 'lease_expired')),
  status_code integer,
  duration_ms integer,
  error text,
  -- The first bytes of the receiver's answer.
  response text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index webhook_attempts_delivery on public.webhook_attempts (delivery_id, id);

alter table public.webhook_attempts enable row level security;
revoke all on public.webhook_attempts from anon, authenticated, service_role;
grant select on public.webhook_attempts to service_role;
