-- The movement ledger: one row per change of on-hand stock, written in the same transaction as the
-- change, so the ledger always explains the stock rows. The sign of `change` must fit its type
-- (stockwire_private.change_fits_type, the rule the functions refuse changes by), or the row is an
-- `external` one: a change written to stock_levels outside the functions, which the database
-- recorded itself (stockwire_private.announce_stock_write), of any sign but zero.
create table public.inventory_events (
  id bigint generated always as identity primary key,
  product_id text not null references public.products (id) on delete cascade,
  location text not null,
  update_type text not null,
  change integer not null,
  previous_quantity integer not null check (previous_quantity >= 0),
  new_quantity integer not null check (new_quantity >= 0),
  version bigint not null,
  request_id text,
  store text not null,
  -- Who made the change: an API key id (`key:…`), a user (`user:…`), or the system (`system:…`).
  actor text,
  created_at timestamptz not null default now(),
  order_id text,
  reservation_id uuid,
  -- The transfer a `transfer_out`, `transfer_in` or `transfer_cancel` row is a step of.
  transfer_id text,
  -- The stocktake (stock_counts) whose adjustment this is.
  count_id text,
  -- The writing transaction, and the oldest transaction still running when the row was written:
  -- every transaction older than that had finished. Ids are taken in order but transactions commit
  -- in any, so a row with a lower id may commit after this one; public.ledger_committed_late uses
  -- these to name such rows.
  tx_id xid8 not null default pg_current_xact_id(),
  tx_horizon xid8 not null default pg_snapshot_xmin(pg_current_snapshot()),
  check (new_quantity = previous_quantity + change),
  constraint inventory_events_change_fits_type check (
    stockwire_private.change_fits_type(update_type, change) or (update_type = 'external' and change <> 0))
);
create index inventory_events_product_location on public.inventory_events (product_id, location, id);
create index inventory_events_transfer on public.inventory_events (transfer_id) where transfer_id is not null;

alter table public.inventory_events enable row level security;
revoke all on public.inventory_events from anon, authenticated;
-- Reads only: every write goes through the functions, which run as their owner.
revoke all on public.inventory_events from service_role;
grant select on public.inventory_events to service_role;
