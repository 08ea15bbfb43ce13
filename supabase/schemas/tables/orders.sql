-- Orders applied by place_order, each at most once (the order id is the key).
create table public.orders (
  order_id text primary key check (length(order_id) between 1 and 128),
  lines jsonb not null,
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now()
);

alter table public.orders enable row level security;
revoke all on public.orders from anon, authenticated, service_role;
grant select on public.orders to service_role;
