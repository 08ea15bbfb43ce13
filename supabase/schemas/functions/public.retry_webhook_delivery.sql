-- Makes a delivery due now: a failed or delivered one is queued again (its later attempts are
-- logged after the earlier ones). Output: the delivery, or null when the endpoint has none with
-- this id.
create function public.retry_webhook_delivery(endpoint_id uuid, delivery_id bigint)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
begin
  update public.webhook_deliveries d set
    status = 'pending',
    next_attempt_at = now(),
    finished_at = null
  where d.id = delivery_id and d.endpoint_id = retry_webhook_delivery.endpoint_id
  returning * into v_delivery;
  if not found then
    return null;
  end if;
  return to_jsonb(v_delivery);
end;
$$;

revoke execute on function public.retry_webhook_delivery(uuid, bigint) from public, anon, authenticated;
grant execute on function public.retry_webhook_delivery(uuid, bigint) to service_role;
