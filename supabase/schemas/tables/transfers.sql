-- Transfers: one movement of stock with two ends. create_transfer takes every line out of
-- `from_location` (ledger rows `transfer_out`) and puts it in transit on the destination's stock
-- row; receive_transfer brings what arrived onto `to_location`'s shelf (`transfer_in`), and
-- cancel_transfer returns what is still in transit to `from_location` (`transfer_cancel`). The id is
-- the caller's (or made for it), so a retried create finds the transfer it made. `receipts` counts
-- the receive steps, which name their webhook events.
create table public.transfers (
  id text primary key check (length(id) between 1 and 128),
  seq bigint generated always as identity unique,
  from_location text not null references public.locations (id),
  to_location text not null references public.locations (id),
  status text not null default 'in_transit'
    check (status in ('in_transit', 'partially_received', 'received', 'cancelled')),
  receipts integer not null default 0 check (receipts >= 0),
  store text not null,
  request_id text,
  actor text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (from_location <> to_location)
);
create index transfers_from_location on public.transfers (from_location, seq);
create index transfers_to_location on public.transfers (to_location, seq);
create index transfers_status on public.transfers (status, seq);

alter table public.transfers enable row level security;
revoke all on public.transfers from anon, authenticated, service_role;
grant select on public.transfers to service_role;
