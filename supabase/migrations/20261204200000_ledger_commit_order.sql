-- Ledger ids are taken in order but transactions commit in any: a row with a lower id can commit
-- after one with a higher id that a live client already saw. Each row now records its transaction
-- and the oldest transaction still running when it was written, so that a client resuming from a
-- row can be told of the rows that may have committed after it.

alter table public.inventory_events
  add column tx_id xid8 not null default pg_current_xact_id(),
  add column tx_horizon xid8 not null default pg_snapshot_xmin(pg_current_snapshot());

-- The stock rows (product, location) of ledger rows that may have committed after row `since`
-- although they took lower ids: those written by a transaction still running, or not yet begun,
-- when row `since` was written (its `tx_horizon`). A live client that saw row `since` may not have
-- seen them; one resuming from it is sent these products as they stand. Only the 10,000 ids
-- before `since` are looked at: a transaction holding its id longer than that many writes is not
-- a store's.
-- Output: [{product_id, location}], each once.
create function public.ledger_committed_late(since bigint)
returns jsonb
language sql
stable
security definer set search_path = ''
as $$
  select coalesce(jsonb_agg(distinct jsonb_build_object('product_id', e.product_id,
                                                        'location', e.location)), '[]'::jsonb)
    from public.inventory_events s
    join public.inventory_events e
      on e.id < s.id and e.id >= s.id - 10000
     and e.tx_id >= s.tx_horizon and e.tx_id <> s.tx_id
   where s.id = since;
$$;

revoke execute on function public.ledger_committed_late(bigint) from public, anon, authenticated;
grant execute on function public.ledger_committed_late(bigint) to service_role;
