-- Webhook delivery at less Postgres work per delivery. An attempt's row is written once, with its
-- outcome, when the worker reports it, instead of inserted at the claim and updated at the finish:
-- the claim takes the attempt's id and start into the delivery row (attempt_id, claimed_at),
-- which shows the attempt as in flight until then, and writes a `lease_expired` attempt from them
-- when it takes over a claim whose lease ran out. The claim's update then touches only columns no
-- index covers, with room left on each page for it (fillfactor 70), so it is a HOT update; the
-- index on the due time, which no query reads since claims walk the keys, goes. And stock.changed
-- is queued once per statement from the rows it inserted, set-based, rather than by a function
-- call and four queries per ledger row.

alter table public.webhook_deliveries
  add column claimed_at timestamptz,
  add column attempt_id bigint;
alter table public.webhook_deliveries set (fillfactor = 70);
drop index public.webhook_deliveries_due;

-- Attempts in flight now: their claim carries them from here on.
update public.webhook_deliveries d set attempt_id = a.id, claimed_at = a.started_at
  from public.webhook_attempts a
 where a.delivery_id = d.id and a.outcome = 'in_flight'
   and d.status = 'pending' and d.claimed_by = a.worker;
delete from public.webhook_attempts a
 using public.webhook_deliveries d
 where a.delivery_id = d.id and a.outcome = 'in_flight' and d.attempt_id = a.id;
-- Any other was abandoned.
update public.webhook_attempts set outcome = 'lease_expired', finished_at = coalesce(finished_at, now())
 where outcome = 'in_flight';
alter table public.webhook_attempts
  alter column outcome drop default,
  alter column started_at drop default,
  drop constraint webhook_attempts_outcome_check,
  add constraint webhook_attempts_outcome_check
    check (outcome in ('delivered', 'retry', 'failed', 'lease_expired'));

drop function public.claim_webhook_deliveries(text, integer, integer, integer);
drop function public.finish_webhook_attempts(text, jsonb, integer);

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

-- Records what receivers answered: results is [{attempt_id, delivery_id, outcome ('delivered',
-- 'retry', 'failed', 'released'), status_code, duration_ms, error, response, retry_in_ms}] from
-- `worker`, each attempt_id the one its claim gave. `released` is a delivery claimed but not sent
-- (an earlier one of its key is to be retried first, or the lease had no room left): its claim is
-- let go and no attempt is recorded. The delivery follows, and the attempt is written with its
-- outcome, only while this claim on it stands; an attempt whose claim another worker took over
-- after the lease ran out (a worker that outlived its lease does not overrule the one that took
-- over) stays `lease_expired`, with what its receiver answered added. An endpoint that has failed
-- without a success for disable_after_seconds is disabled, and an alert says so. A batch is a few
-- set-based statements, however many results it carries: per delivery, one update and one insert.
-- Output: [{delivery_id, status, endpoint_disabled}].
create function public.finish_webhook_attempts(worker text, results jsonb, disable_after_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
-- As in claim_webhook_deliveries: rows by id through the primary key, whatever the statistics say:
-- the deliveries are looked up by their ids as an array (`id = any`, one probe each) rather than by
-- a join with the results, which on a young outbox's statistics the planner does by reading the
-- whole key; `not in ('delivered', 'failed')` is `pending`, said so that the pending index is not a
-- way in either.
set enable_seqscan = off
as $$
declare
  v_released bigint[];
  v_sent bigint[];
  v_finished jsonb;
  v_late bigint[];
  v_disabled uuid[];
begin
  select array_agg(x.delivery_id) filter (where x.outcome = 'released'),
         array_agg(x.delivery_id) filter (where x.outcome <> 'released')
    into v_released, v_sent
    from jsonb_to_recordset(results) as x(delivery_id bigint, outcome text);
  with r as (
    select * from jsonb_to_recordset(results) as x(
      attempt_id bigint, delivery_id bigint, outcome text, status_code integer,
      duration_ms integer, error text, response text, retry_in_ms bigint)
  ), released as (
    update public.webhook_deliveries d set
      attempts = d.attempts - 1,
      claimed_by = null,
      claimed_until = null
      from r
     where d.id = any (v_released) and d.id = r.delivery_id and r.outcome = 'released'
       and d.attempt_id = r.attempt_id and d.claimed_by = worker
       and d.status not in ('delivered', 'failed')
  ), finished as (
    update public.webhook_deliveries d set
      status = case r.outcome when 'delivered' then 'delivered' when 'failed' then 'failed' else 'pending' end,
      next_attempt_at = case when r.outcome = 'retry'
                             then now() + make_interval(secs => coalesce(r.retry_in_ms, 0) / 1000.0)
                             else d.next_attempt_at end,
      finished_at = case when r.outcome = 'retry' then null else now() end,
      claimed_by = null,
      claimed_until = null,
      last_status_code = r.status_code,
      last_error = r.error
      from r
     where d.id = any (v_sent) and d.id = r.delivery_id and r.outcome <> 'released'
       and d.attempt_id = r.attempt_id and d.claimed_by = worker
       and d.status not in ('delivered', 'failed')
    returning d.id, d.endpoint_id, d.status, d.claimed_at, r.outcome, r.attempt_id,
              r.status_code, r.duration_ms, r.error, r.response
  ), logged as (
    insert into public.webhook_attempts
      (id, delivery_id, worker, outcome, status_code, duration_ms, error, response, started_at,
       finished_at)
    overriding system value
    select f.attempt_id, f.id, worker, f.outcome, f.status_code, f.duration_ms, f.error,
           f.response, f.claimed_at, now()
      from finished f
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'delivery_id', f.id, 'endpoint_id', f.endpoint_id, 'status', f.status,
           'outcome', f.outcome) order by f.id), '[]'::jsonb)
    into v_finished
    from finished f;
  -- Attempts whose claim no longer stood: another worker's claim wrote them as `lease_expired`.
  select array_agg(r.attempt_id) into v_late
    from jsonb_to_recordset(results) as r(attempt_id bigint, delivery_id bigint, outcome text)
   where r.outcome <> 'released'
     and not (r.delivery_id = any (
           select (x ->> 'delivery_id')::bigint from jsonb_array_elements(v_finished) x));
  if v_late is not null then
    update public.webhook_attempts a set
      status_code = r.status_code,
      duration_ms = r.duration_ms,
      error = r.error,
      response = r.response,
      finished_at = now()
      from jsonb_to_recordset(results) as r(
        attempt_id bigint, status_code integer, duration_ms integer, error text, response text)
     where a.id = any (v_late) and a.id = r.attempt_id and a.outcome = 'lease_expired';
  end if;

  -- A success ends an endpoint's failing spell; a failure starts one. Rows change only when
  -- their state does, so workers that agree do not queue on an endpoint's row lock.
  update public.webhook_endpoints e set
    failing_since = case when f.delivered then null else now() end
    from (select (x ->> 'endpoint_id')::uuid as endpoint_id,
                 bool_or(x ->> 'outcome' = 'delivered') as delivered
            from jsonb_array_elements(v_finished) x
           group by 1) f
   where e.id = f.endpoint_id
     and (e.failing_since is null) = not f.delivered;

  with disabled as (
    update public.webhook_endpoints e set
      enabled = false,
      disabled_reason = 'failing since ' || e.failing_since,
      updated_at = now()
     where e.id in (select (x ->> 'endpoint_id')::uuid from jsonb_array_elements(v_finished) x
                     where x ->> 'outcome' <> 'delivered')
       and e.enabled
       and e.failing_since <= now() - make_interval(secs => disable_after_seconds)
    returning e.id, e.url, e.failing_since
  ), alerted as (
    insert into public.webhook_alerts (endpoint_id, kind, message)
    select d.id, 'endpoint_disabled',
           'Disabled: every delivery to ' || d.url || ' has failed since ' || d.failing_since
      from disabled d
  )
  select coalesce(array_agg(d.id), '{}') into v_disabled from disabled d;

  return (
    select coalesce(jsonb_agg(jsonb_build_object(
             'delivery_id', (x ->> 'delivery_id')::bigint,
             'status', x ->> 'status',
             'endpoint_disabled', (x ->> 'endpoint_id')::uuid = any (v_disabled))), '[]'::jsonb)
      from jsonb_array_elements(v_finished) x);
end;
$$;

revoke execute on function public.finish_webhook_attempts(text, jsonb, integer) from public, anon, authenticated;
grant execute on function public.finish_webhook_attempts(text, jsonb, integer) to service_role;

drop trigger inventory_events_webhook on public.inventory_events;
drop function stockwire_private.webhook_stock_changed();

-- `stock.changed` for each ledger row an insert wrote, with the fields of the socket `update`,
-- queued for every enabled endpoint that wants it (the filters of enqueue_webhook). The product's
-- totals are the other locations' rows as they stand plus this row's quantity after the change,
-- so each ledger row of a batch reports the quantity it left. Once per statement, set-based: a
-- batch of changes costs one insert, not a function call and four queries per row.
create function stockwire_private.webhook_stock_changed()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if not stockwire_private.wants_webhook('stock.changed') then
    return null;
  end if;
  insert into public.webhook_deliveries (endpoint_id, message_id, event_type, product_id, payload)
  select e.id, 'ledger_' || n.id, 'stock.changed', n.product_id, b.payload
    from new_rows n
    cross join lateral (
      select coalesce(sum(s.on_hand) filter (where s.location <> n.location), 0) as on_hand,
             coalesce(sum(s.reserved) filter (where s.location <> n.location), 0) as reserved,
             coalesce(sum(s.version) filter (where s.location <> n.location), 0) as version,
             coalesce(sum(s.reserved) filter (where s.location = n.location), 0) as own_reserved
        from public.stock_levels s
       where s.product_id = n.product_id) o
    cross join lateral (
      select jsonb_build_object('type', 'stock.changed', 'timestamp', now(), 'data',
        jsonb_build_object(
          'product_id', n.product_id,
          'warehouse', n.location,
          'quantity', n.new_quantity,
          'change', n.change,
          -- Committing a hold takes it off reserved as it leaves on hand.
          'reserved_change', case when n.reservation_id is not null then n.change else 0 end,
          'update_type', n.update_type,
          'version', n.version,
          'product_version', o.version + n.version,
          'timestamp', n.created_at,
          'total_stock', o.on_hand + n.new_quantity,
          'reserved_stock', o.reserved + o.own_reserved,
          'available_stock', o.on_hand + n.new_quantity - o.reserved - o.own_reserved,
          'store', n.store,
          'event_id', n.id,
          'order_id', n.order_id,
          'reservation_id', n.reservation_id)) as payload) b
    join public.webhook_endpoints e
      on e.enabled
     and 'stock.changed' = any (e.events)
     and (e.locations is null or n.location = any (e.locations))
     and (e.products is null or n.product_id = any (e.products))
   -- Ledger order, then endpoint: the queue order each endpoint's deliveries of a product keep.
   order by n.id, e.id;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_stock_changed() from public, anon, authenticated, service_role;

-- Every ledger row, whatever wrote it, once per statement with the rows it inserted: see
-- functions/stockwire_private.webhook_stock_changed.sql.
create trigger inventory_events_webhook
  after insert on public.inventory_events
  referencing new table as new_rows
  for each statement
  execute function stockwire_private.webhook_stock_changed();
