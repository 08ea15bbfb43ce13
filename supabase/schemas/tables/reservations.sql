-- Holds for checkouts: `quantity` of a stock row's `reserved`, until committed (a sale), released,
-- or expired at `expires_at`. Changed only under the lock of its stock row.
create table public.reservations (
  id uuid primary key default gen_random_uuid(),
  product_id text not null references public.products (id) on delete cascade,
  location text not null,
  quantity integer not null check (quantity > 0),
  status text not null default 'held' check (status in ('held', 'committed', 'released', 'expired')),
  expires_at timestamptz not null,
  client_id text,
  order_id text,
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index reservations_held_expiry on public.reservations (expires_at) where status = 'held';
create index reservations_held_row on public.reservations (product_id, location) where status = 'held';

alter table public.reservations enable row level security;
revoke all on public.reservations from anon, authenticated, service_role;
grant select on public.reservations to service_role;
