-- Queues a `webhook.test` delivery for one endpoint, whatever events it takes. Output: the
-- delivery, or null when there is no such endpoint.
create function public.send_test_webhook(endpoint_id uuid)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
  v_message text := 'test_' || replace(gen_random_uuid()::text, '-', '');
begin
  insert into public.webhook_deliveries (endpoint_id, message_id, event_type, payload)
  select e.id, v_message, 'webhook.test',
         jsonb_build_object('type', 'webhook.test', 'timestamp', now(),
                            'data', jsonb_build_object('endpoint_id', e.id))
    from public.webhook_endpoints e
   where e.id = send_test_webhook.endpoint_id
  returning * into v_delivery;
  if not found then
    return null;
  end if;
  return to_jsonb(v_delivery);
end;
$$;

revoke execute on function public.send_test_webhook(uuid) from public, anon, authenticated;
grant execute on function public.send_test_webhook(uuid) to service_role;
