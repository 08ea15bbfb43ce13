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
