-- The lines of a transfer: what was sent, and how much of it has been received or cancelled. What
-- is still in transit is the rest, and it never goes below zero.
create table public.transfer_lines (
  transfer_id text not null references public.transfers (id) on delete cascade,
  line integer not null check (line >= 0),
  product_id text not null references public.products (id) on delete cascade,
  quantity integer not null check (quantity > 0),
  received integer not null default 0 check (received >= 0),
  cancelled integer not null default 0 check (cancelled >= 0),
  primary key (transfer_id, line),
  unique (transfer_id, product_id),
  check (received + cancelled <= quantity)
);
create index transfer_lines_product on public.transfer_lines (product_id);

alter table public.transfer_lines enable row level security;
revoke all on public.transfer_lines from anon, authenticated, service_role;
grant select on public.transfer_lines to service_role;
