-- Removes an endpoint with its queued deliveries and their log. Output: whether there was one.
create function public.delete_webhook(endpoint_id uuid)
returns boolean
language plpgsql
security definer set search_path = ''
as $$
begin
  delete from public.webhook_endpoints e where e.id = endpoint_id;
  return found;
end;
$$;

revoke execute on function public.delete_webhook(uuid) from public, anon, authenticated;
grant execute on function public.delete_webhook(uuid) to service_role;
