-- Claims up to max_rows due deliveries for `worker`, each under a lease of lease_seconds, and opens
-- an attempt for each. A delivery is due when it is pending, its next attempt time has come, no
-- lease on it runs, and no earlier delivery of the same endpoint and product is still pending: so
-- one attempt at a time cluster-wide, in order per endpoint and product. SKIP LOCKED lets workers
-- in every store claim at once without waiting on each other. An attempt whose lease ran out (its
-- worker died or hung) is closed as `lease_expired`.
-- Output: {deliveries: [{delivery_id, attempt_id, endpoint_id, url, secret, message_id,
-- event_type, product_id, body, attempts, created_at}], queued, oldest_at}.
create function public.claim_webhook_deliveries(worker text, max_rows integer, lease_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claimed jsonb;
  v_queued bigint;
  v_oldest timestamptz;
begin
  with due as (
    select d.id
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
     limit max_rows
     for update of d skip locked
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
           'created_at', c.created_at) order by c.id), '[]'::jsonb)
    into v_claimed
    from claimed c
    join opened o on o.delivery_id = c.id
    join public.webhook_endpoints e on e.id = c.endpoint_id;

  select count(*), min(d.created_at) into v_queued, v_oldest
    from public.webhook_deliveries d
   where d.status = 'pending';

  return jsonb_build_object('deliveries', v_claimed, 'queued', v_queued, 'oldest_at', v_oldest);
end;
$$;

revoke execute on function public.claim_webhook_deliveries(text, integer, integer) from public, anon, authenticated;
grant execute on function public.claim_webhook_deliveries(text, integer, integer) to service_role;
