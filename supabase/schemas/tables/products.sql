-- The catalogue. Rows are added by create_product; the API reads them, never writes them directly.
create table public.products (
  id text primary key check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  low_stock_threshold integer not null default 10 check (low_stock_threshold >= 0),
  created_at timestamptz not null default now()
);

alter table public.products enable row level security;
revoke all on public.products from anon, authenticated;
-- Reads only: every write goes through the functions, which run as their owner.
revoke all on public.products from service_role;
grant select on public.products to service_role;
