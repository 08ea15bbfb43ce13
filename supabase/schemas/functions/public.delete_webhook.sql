-- Removes an endpoint with its queued deliveries and their log. Output: the endpoint as it was,
-- without its secret, or null when there is none with this id.
create function public.delete_webhook(endpoint_id uuid)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  delete from public.webhook_endpoints e where e.id = endpoint_id
  returning * into v_endpoint;
  if not found then
    return null;
  end if;
  return to_jsonb(v_endpoint) - 'secret';
end;
$$;

revoke execute on function public.delete_webhook(uuid) from public, anon, authenticated;
grant execute on function public.delete_webhook(uuid) to service_role;
