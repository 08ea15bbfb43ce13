-- Stocktakes recorded by record_count, each at most once (the count id is the key): what the count
-- answered, so that a retry with the same count_id answers the same and applies nothing more. Its
-- adjustments are the ledger rows that carry its id (inventory_events.count_id).
create table public.stock_counts (
  count_id text primary key check (length(count_id) between 1 and 128),
  location text not null references public.locations (id),
  all_or_nothing boolean not null,
  result jsonb not null,
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now()
);

alter table public.stock_counts enable row level security;
revoke all on public.stock_counts from anon, authenticated, service_role;
grant select on public.stock_counts to service_role;
