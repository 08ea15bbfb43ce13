-- Every delivery attempt that has ended, written once when the worker reports what the receiver
-- answered, with the id and start its claim took (webhook_deliveries.attempt_id, claimed_at). An
-- attempt still running is the delivery's claim, shown `in_flight` by the deliveries log; one whose
-- worker died is written as `lease_expired` when another worker claims the delivery again.
create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references public.webhook_deliveries (id) on delete cascade,
  worker text not null,
  outcome text not null check (outcome in ('delivered', 'retry', 'failed', 'lease_expired')),
  status_code integer,
  duration_ms integer,
  error text,
  -- The first bytes of the receiver's answer.
  response text,
  started_at timestamptz not null,
  finished_at timestamptz
);
create index webhook_attempts_delivery on public.webhook_attempts (delivery_id, id);

alter table public.webhook_attempts enable row level security;
revoke all on public.webhook_attempts from anon, authenticated, service_role;
grant select on public.webhook_attempts to service_role;
