-- Low-stock alerts: one row each time a location's available stock (on_hand - reserved) crosses its
-- product's low_stock_threshold, downwards (low_stock) or back up (back_in_stock).
--
-- The threshold applies per location, not to the product's total: each store reorders for its own
-- shelves, and a crossing then depends on one stock row only. The trigger stock_levels_record_alert
-- sees that row's old and new values under the row lock its update holds, so concurrent writers at
-- any number of stores produce exactly one alert per crossing. A threshold over the product total would need the other
-- locations' rows too, which concurrent transactions change unseen.
--
-- Recording in a trigger on stock_levels, in the writer's transaction, catches every write path:
-- apply_stock_changes and any later function that moves stock or reservations. A row that comes
-- into existence crosses nothing; a threshold of 0 never alerts.
--
-- `reorder_needed`: one row each time a location's stock position (available + in_transit) falls
-- below the row's own reorder_point (stock_levels.reorder_point, recorded as `threshold`), by a
-- change of stock or of the point itself (trigger stock_levels_record_reorder). There is no row for
-- the way back: a position back at or above the point re-arms the next crossing. A row made with a
-- point already above its position (set_reorder_point on a location without stock) crosses at once.

create table public.stock_alerts (
  id bigint generated always as identity primary key,
  product_id text not null references public.products (id) on delete cascade,
  location text not null,
  kind text not null check (kind in ('low_stock', 'back_in_stock', 'reorder_needed')),
  available integer not null,
  on_hand integer not null,
  reserved integer not null,
  threshold integer not null,
  -- The version of the stock row whose update crossed the threshold.
  version bigint not null,
  -- The writer's transaction time, which is also the stock row's updated_at.
  created_at timestamptz not null default now()
);
create index stock_alerts_product_location on public.stock_alerts (product_id, location, id);

alter table public.stock_alerts enable row level security;
revoke all on public.stock_alerts from anon, authenticated, service_role;
grant select on public.stock_alerts to service_role;
