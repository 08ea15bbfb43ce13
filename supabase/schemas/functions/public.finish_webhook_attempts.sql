-- Records what receivers answered: results is [{attempt_id, delivery_id, outcome ('delivered',
-- 'retry', 'failed'), status_code, duration_ms, error, response, retry_in_ms}] from `worker`. The
-- attempt is closed whoever holds the delivery now; the delivery follows only while this worker's
-- claim on it stands (a worker that outlived its lease does not overrule the one that took over).
-- An endpoint that has failed without a success for disable_after_seconds is disabled, and an
-- alert says so. Output: [{delivery_id, status, endpoint_disabled}].
create function public.finish_webhook_attempts(worker text, results jsonb, disable_after_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  r record;
  v_out jsonb := '[]'::jsonb;
  v_delivery public.webhook_deliveries;
  v_endpoint public.webhook_endpoints;
  v_disabled boolean;
begin
  for r in
    select * from jsonb_to_recordset(results) as x(
      attempt_id bigint, delivery_id bigint, outcome text, status_code integer,
      duration_ms integer, error text, response text, retry_in_ms bigint)
  loop
    update public.webhook_attempts a set
      outcome = case when a.outcome = 'in_flight' then r.outcome else a.outcome end,
      status_code = r.status_code,
      duration_ms = r.duration_ms,
      error = r.error,
      response = r.response,
      finished_at = now()
    where a.id = r.attempt_id;

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
    where d.id = r.delivery_id and d.claimed_by = worker and d.status = 'pending'
    returning * into v_delivery;
    if not found then
      continue;
    end if;

    v_disabled := false;
    if r.outcome = 'delivered' then
      update public.webhook_endpoints e set failing_since = null
       where e.id = v_delivery.endpoint_id and e.failing_since is not null;
    else
      update public.webhook_endpoints e set failing_since = coalesce(e.failing_since, now())
       where e.id = v_delivery.endpoint_id
      returning * into v_endpoint;
      if found and v_endpoint.enabled
         and v_endpoint.failing_since <= now() - make_interval(secs => disable_after_seconds) then
        update public.webhook_endpoints e set
          enabled = false,
          disabled_reason = 'failing since ' || v_endpoint.failing_since,
          updated_at = now()
        where e.id = v_endpoint.id;
        insert into public.webhook_alerts (endpoint_id, kind, message)
        values (v_endpoint.id, 'endpoint_disabled',
                'Disabled: every delivery to ' || v_endpoint.url || ' has failed since '
                || v_endpoint.failing_since);
        v_disabled := true;
      end if;
    end if;
    v_out := v_out || jsonb_build_array(jsonb_build_object(
      'delivery_id', v_delivery.id, 'status', v_delivery.status, 'endpoint_disabled', v_disabled));
  end loop;
  return v_out;
end;
$$;

revoke execute on function public.finish_webhook_attempts(text, jsonb, integer) from public, anon, authenticated;
grant execute on function public.finish_webhook_attempts(text, jsonb, integer) to service_role;
