-- The places stock is kept: stores and warehouses. A stock row names one, and every write that
-- names a location is refused unless it is here and active (stockwire_private.location_refusal),
-- so a mistyped name is an error, never a new place. Rows are made and changed by
-- create_location and update_location; the id never changes, a location is retired by making it
-- inactive (its stock rows and ledger keep naming it).
create table public.locations (
  id text primary key check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  kind text not null default 'store' check (kind in ('store', 'warehouse')),
  active boolean not null default true,
  created_at timestamptz not null default now()
);

alter table public.locations enable row level security;
revoke all on public.locations from anon, authenticated;
-- Reads only: every write goes through the functions, which run as their owner.
revoke all on public.locations from service_role;
grant select on public.locations to service_role;
