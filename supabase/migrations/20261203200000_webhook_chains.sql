-- Webhook delivery at the issue's load: a claim takes, for each due key (endpoint and product), a
-- run of its next pending deliveries, sent one after another under one lease, instead of one
-- delivery per key per round; what a worker claimed but did not send is released. The depth and
-- age of the queue move out of the claim into webhook_queue_stats, read on their own schedule.
drop function public.claim_webhook_deliveries(text, integer, integer);

-- Claims due deliveries for `worker` under a lease of lease_seconds, and opens an attempt for each.
-- A key (endpoint and product) is due when its oldest pending delivery is: its next attempt time
-- has come, no lease on it runs and its endpoint is enabled; the keys longest due come first. Up
-- to max_keys due keys are taken, each with up to per_key of its pending deliveries in order (the
-- oldest first), which the worker sends one after another under the one lease: a busy product
-- no longer waits a round trip per event, and still nobody else can claim any of its deliveries
-- while the lease runs, since a delivery is due only once every earlier one of its key has left
-- `pending`. So one attempt at a
-- time cluster-wide, in order per endpoint and product. SKIP LOCKED lets workers in every store
-- claim at once without waiting on each other. Attempts whose lease ran out (their worker died or
-- hung) are closed as `lease_expired`.
-- Output: {deliveries: [{delivery_id, attempt_id, endpoint_id, url, secret, message_id,
-- event_type, product_id, body, attempts, created_at}]}, ordered by key and then id.
create function public.claim_webhook_deliveries(
  worker text, max_keys integer, per_key integer, lease_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
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
    select d.id, d.endpoint_id, coalesce(d.product_id, '') as product_key
      from public.webhook_deliveries d
     where d.id in (select id from candidates)
       and d.status = 'pending'
       and (d.claimed_until is null or d.claimed_until <= now())
     for update skip locked
  ), due as (
    select h.id from heads h
    union all
    -- The deliveries that follow each head, as long as they run unbroken: due and unleased.
    select f.id
      from heads h
      cross join lateral (
        select n.id,
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
  ), expired as (
    update public.webhook_attempts a set outcome = 'lease_expired', finished_at = now()
      from due
     where a.delivery_id = due.id and a.outcome = 'in_flight'
  ), claimed as (
    update public.webhook_deliveries d set
      claimed_by = worker,
      claimed_until = now() + make_interval(secs => lease_seconds),
      attempts = d.attempts + 1
      from due
     where d.id = due.id
    returning d.*
  ), opened as (
    insert into public.webhook_attempts (delivery_id, worker)
    select c.id, worker from claimed c
    returning id, delivery_id
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'delivery_id', c.id,
           'attempt_id', o.id,
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
    join opened o on o.delivery_id = c.id
    join public.webhook_endpoints e on e.id = c.endpoint_id;

  return jsonb_build_object('deliveries', v_claimed);
end;
$$;

revoke execute on function public.claim_webhook_deliveries(text, integer, integer, integer) from public, anon, authenticated;
grant execute on function public.claim_webhook_deliveries(text, integer, integer, integer) to service_role;

-- The outbox's depth and the age of its oldest pending event, for the metrics. Read on its own
-- schedule rather than with every claim: counting a deep backlog costs in proportion to it.
-- Output: {queued, oldest_at}.
create function public.webhook_queue_stats()
returns jsonb
language sql
stable
security definer set search_path = ''
as $$
  select jsonb_build_object('queued', count(*), 'oldest_at', min(d.created_at))
    from public.webhook_deliveries d
   where d.status = 'pending';
$$;

revoke execute on function public.webhook_queue_stats() from public, anon, authenticated;
grant execute on function public.webhook_queue_stats() to service_role;

-- Records what receivers answered: results is [{attempt_id, delivery_id, outcome ('delivered',
-- 'retry', 'failed', 'released'), status_code, duration_ms, error, response, retry_in_ms}] from
-- `worker`. `released` is a delivery claimed but not sent (an earlier one of its key is to be
-- retried first, or the lease had no room left): its attempt is removed and its claim let go. The
-- attempt is closed whoever holds the delivery now; the delivery follows only while this worker's
-- claim on it stands (a worker that outlived its lease does not overrule the one that took over).
-- An endpoint that has failed without a success for disable_after_seconds is disabled, and an
-- alert says so. A batch is a few set-based statements, however many results it carries.
-- Output: [{delivery_id, status, endpoint_disabled}].
create or replace function public.finish_webhook_attempts(worker text, results jsonb, disable_after_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_finished jsonb;
  v_disabled uuid[];
begin
  with r as (
    select * from jsonb_to_recordset(results) as x(
      attempt_id bigint, delivery_id bigint, outcome text, status_code integer,
      duration_ms integer, error text, response text, retry_in_ms bigint)
  ), unsent as (
    delete from public.webhook_attempts a
     using r
     where a.id = r.attempt_id and r.outcome = 'released' and a.outcome = 'in_flight'
  ), released as (
    update public.webhook_deliveries d set
      attempts = d.attempts - 1,
      claimed_by = null,
      claimed_until = null
      from r
     where d.id = r.delivery_id and r.outcome = 'released'
       and d.claimed_by = worker and d.status = 'pending'
  ), closed as (
    update public.webhook_attempts a set
      outcome = case when a.outcome = 'in_flight' then r.outcome else a.outcome end,
      status_code = r.status_code,
      duration_ms = r.duration_ms,
      error = r.error,
      response = r.response,
      finished_at = now()
      from r
     where a.id = r.attempt_id and r.outcome <> 'released'
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
     where d.id = r.delivery_id and r.outcome <> 'released'
       and d.claimed_by = worker and d.status = 'pending'
    returning d.id, d.endpoint_id, d.status, r.outcome
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'delivery_id', f.id, 'endpoint_id', f.endpoint_id, 'status', f.status,
           'outcome', f.outcome) order by f.id), '[]'::jsonb)
    into v_finished
    from finished f;

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
