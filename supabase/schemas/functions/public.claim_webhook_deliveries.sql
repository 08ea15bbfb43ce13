-- Claims due deliveries for `worker` under a lease of lease_seconds, each with the id of its attempt.
-- A key (endpoint and product) is due when its oldest pending delivery is: its next attempt time
-- has come, no lease on it runs and its endpoint is enabled; the keys longest due come first. Up
-- to max_keys due keys are taken, each with up to per_key of its pending deliveries in order (the
-- oldest first), which the worker sends one after another under the one lease: a busy product
-- no longer waits a round trip per event, and still nobody else can claim any of its deliveries
-- while the lease runs, since a delivery is due only once every earlier one of its key has left
-- `pending`. So one attempt at a
-- time cluster-wide, in order per endpoint and product. SKIP LOCKED lets workers in every store
-- claim at once without waiting on each other. A delivery claimed again after its lease ran out
-- (its worker died or hung) has that earlier attempt written as `lease_expired`, from its claim.
-- The claim itself writes one row a delivery, in columns no index covers (a HOT update): the
-- attempt's row is written once, by finish_webhook_attempts, when it has an outcome.
-- Output: {deliveries: [{delivery_id, attempt_id, endpoint_id, url, secret, message_id,
-- event_type, product_id, body, attempts, created_at}]}, ordered by key and then id.
create function public.claim_webhook_deliveries(
  worker text, max_keys integer, per_key integer, lease_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
-- Rows by id go through the primary key, whatever the statistics say: on a young outbox they
-- describe a table much smaller than it is, and a scan of the table (or of every entry, live or
-- dead, of the pending index) per claim then grows with the history. So no sequential scans, and
-- the rows taken by id are said not `delivered` or `failed`, rather than `pending`, which would
-- let the planner read them from the pending index.
set enable_seqscan = off
as $$
declare
  v_claimed jsonb;
begin
  -- Each key's oldest pending delivery, one index probe per key (a loose index scan), rather than
  -- a walk through the pending rows in due order, which must pass every delivery queued behind a
  -- leased head: a claim costs with the keys pending, not with the depth of the backlog.
  with recursive keys as (
    (select d.id, d.endpoint_id, coalesce(d.product_id, '') as product_key,
            d.next_attempt_at, d.claimed_until
       from public.webhook_deliveries d
      where d.status = 'pending'
      order by d.endpoint_id, coalesce(d.product_id, ''), d.id
      limit 1)
    union all
    select n.*
      from keys k
     cross join lateral (
       select d.id, d.endpoint_id, coalesce(d.product_id, '') as product_key,
              d.next_attempt_at, d.claimed_until
         from public.webhook_deliveries d
        where d.status = 'pending'
          and (d.endpoint_id, coalesce(d.product_id, '')) > (k.endpoint_id, k.product_key)
        order by d.endpoint_id, coalesce(d.product_id, ''), d.id
        limit 1) n
  ), candidates as (
    select k.id
      from keys k
      join public.webhook_endpoints e on e.id = k.endpoint_id
     where e.enabled
       and k.next_attempt_at <= now()
       and (k.claimed_until is null or k.claimed_until <= now())
     order by k.next_attempt_at, k.id
     limit max_keys
  ), heads as (
    -- Locked and checked again: a head another worker claimed meanwhile is skipped.
    select d.id, d.endpoint_id, coalesce(d.product_id, '') as product_key,
           d.claimed_by, d.claimed_at, d.attempt_id
      from public.webhook_deliveries d
     where d.id in (select id from candidates)
       and d.status not in ('delivered', 'failed')
       and (d.claimed_until is null or d.claimed_until <= now())
     for update skip locked
  ), due as (
    select h.id, h.claimed_by, h.claimed_at, h.attempt_id from heads h
    union all
    -- The deliveries that follow each head, as long as they run unbroken: due and unleased.
    select f.id, f.claimed_by, f.claimed_at, f.attempt_id
      from heads h
      cross join lateral (
        select n.id, n.claimed_by, n.claimed_at, n.attempt_id,
               bool_and(n.next_attempt_at <= now()
                        and (n.claimed_until is null or n.claimed_until <= now()))
                 over (order by n.id) as unbroken
          from public.webhook_deliveries n
         where n.endpoint_id = h.endpoint_id
           and coalesce(n.product_id, '') = h.product_key
           and n.status = 'pending'
           and n.id > h.id
         order by n.id
         limit greatest(per_key - 1, 0)
      ) f
     where f.unbroken
  ), claimed as (
    update public.webhook_deliveries d set
      claimed_by = worker,
      claimed_until = now() + make_interval(secs => lease_seconds),
      claimed_at = now(),
      attempt_id = nextval('public.webhook_attempts_id_seq'::regclass),
      attempts = d.attempts + 1
      from due
     where d.id = due.id
       -- A follower its earlier worker finished meanwhile (it is not locked until here) stays so.
       and d.status not in ('delivered', 'failed')
    returning d.*
  ), expired as (
    -- The attempt of the claim this one replaces: its worker never said how it ended.
    insert into public.webhook_attempts
      (id, delivery_id, worker, outcome, started_at, finished_at)
    overriding system value
    select due.attempt_id, due.id, due.claimed_by, 'lease_expired', due.claimed_at, now()
      from due
      join claimed c on c.id = due.id
     where due.claimed_by is not null and due.attempt_id is not null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'delivery_id', c.id,
           'attempt_id', c.attempt_id,
           'endpoint_id', c.endpoint_id,
           'url', e.url,
           'secret', e.secret,
           'message_id', c.message_id,
           'event_type', c.event_type,
           'product_id', c.product_id,
           'body', c.payload::text,
           'attempts', c.attempts,
           'created_at', c.created_at)
           order by c.endpoint_id, coalesce(c.product_id, ''), c.id), '[]'::jsonb)
    into v_claimed
    from claimed c
    join public.webhook_endpoints e on e.id = c.endpoint_id;

  return jsonb_build_object('deliveries', v_claimed);
end;
$$;

revoke execute on function public.claim_webhook_deliveries(text, integer, integer, integer) from public, anon, authenticated;
grant execute on function public.claim_webhook_deliveries(text, integer, integer, integer) to service_role;
