-- Stock per (product, location): what is on hand and how much of it checkouts hold. `version` goes
-- up by one with every change, so a store applies an update only if it is newer than its cache.
create table public.stock_levels (
  product_id text not null references public.products (id) on delete cascade,
  location text not null check (location ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')
    constraint stock_levels_location_fkey references public.locations (id),
  on_hand integer not null default 0 check (on_hand >= 0),
  reserved integer not null default 0 check (reserved >= 0),
  version bigint not null default 1 check (version >= 1),
  updated_at timestamptz not null default now(),
  -- Units a transfer sent here that have not been received yet: not on hand, not available.
  in_transit integer not null default 0 check (in_transit >= 0),
  -- When available + in_transit falls below reorder_point, this location should reorder
  -- (tables/stock_alerts.sql, kind reorder_needed); at least reorder_quantity units. 0: never.
  reorder_point integer not null default 0 check (reorder_point >= 0),
  reorder_quantity integer not null default 0 check (reorder_quantity >= 0),
  primary key (product_id, location),
  check (reserved <= on_hand)
);

alter table public.stock_levels enable row level security;
revoke all on public.stock_levels from anon, authenticated;
-- Reads only: every write goes through the functions, which run as their owner.
revoke all on public.stock_levels from service_role;
grant select on public.stock_levels to service_role;
