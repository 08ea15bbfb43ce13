-- Claims due deliveries for `worker` under a lease of lease_seconds, and opens an attempt for each.
-- A key (endpoint and product) is due when its oldest pending delivery is: its next attempt time
-- has come, no lease on it runs and its endpoint is enabled. Up to max_keys due keys are taken,
-- each with up to per_key of its pending deliveries in order (the oldest first), which the worker
-- sends one after another under the one lease: a busy product no longer waits a round trip per
-- event, and still nobody else can claim any of its deliveries while the lease runs, since a
-- delivery is due only once every earlier one of its key has left `pending`. So one attempt at a
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
  with heads as (
    select d.id, d.endpoint_id, coalesce(d.product_id, '') as product_key
      from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id
     where d.status = 'pending'
       and d.next_attempt_at <= now()
       and (d.claimed_until is null or d.claimed_until <= now())
       and e.enabled
       and not exists (
         select 1 from public.webhook_deliveries p
          where p.endpoint_id = d.endpoint_id
            and coalesce(p.product_id, '') = coalesce(d.product_id, '')
            and p.status = 'pending'
            and p.id < d.id)
     order by d.next_attempt_at, d.id
     limit max_keys
     for update of d skip locked
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
