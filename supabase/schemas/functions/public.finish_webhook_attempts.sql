-- Records what receivers answered: results is [{attempt_id, delivery_id, outcome ('delivered',
-- 'retry', 'failed', 'released'), status_code, duration_ms, error, response, retry_in_ms}] from
-- `worker`. `released` is a delivery claimed but not sent (an earlier one of its key is to be
-- retried first, or the lease had no room left): its attempt is removed and its claim let go. The
-- attempt is closed whoever holds the delivery now; the delivery follows only while this worker's
-- claim on it stands (a worker that outlived its lease does not overrule the one that took over).
-- An endpoint that has failed without a success for disable_after_seconds is disabled, and an
-- alert says so. A batch is a few set-based statements, however many results it carries.
-- Output: [{delivery_id, status, endpoint_disabled}].
create function public.finish_webhook_attempts(worker text, results jsonb, disable_after_seconds integer)
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
