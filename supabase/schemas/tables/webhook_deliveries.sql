-- The webhook outbox: one row per event and endpoint, inserted by triggers in the transaction of
-- the change it reports, so an event is queued exactly when it happened. Delivery workers in every
-- store claim due rows (claim_webhook_deliveries) under a lease, one attempt at a time, in order per
-- endpoint and product. A claim writes only columns no index covers, into room the fill factor
-- leaves on the row's page, so it is a heap-only (HOT) update that touches no index.
create table public.webhook_deliveries (
  id bigint generated always as identity primary key,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  -- The `webhook-id` header: the same for every attempt, so receivers can drop duplicates.
  message_id text not null,
  event_type text not null,
  -- What orders deliveries: one endpoint sees a product's events in the order they happened.
  product_id text,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  claimed_by text,
  claimed_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  -- When the current claim was made, and the id its attempt will have: the attempt's row is
  -- written once, with its outcome, when the worker reports it (or as `lease_expired` when another
  -- worker claims the delivery after the lease ran out); until then the claim is the attempt.
  -- Both are kept after the claim ends, meaningful only while claimed_by is set.
  claimed_at timestamptz,
  attempt_id bigint
) with (fillfactor = 70);
create index webhook_deliveries_order
  on public.webhook_deliveries (endpoint_id, (coalesce(product_id, '')), id)
  where status = 'pending';
create index webhook_deliveries_endpoint on public.webhook_deliveries (endpoint_id, id);

alter table public.webhook_deliveries enable row level security;
revoke all on public.webhook_deliveries from anon, authenticated, service_role;
grant select on public.webhook_deliveries to service_role;
