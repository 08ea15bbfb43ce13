-- Input: {url, events, locations?, products?, description?, secret, created_by}. Output: the
-- endpoint, without its secret (the caller made it and shows it once).
create function public.create_webhook(webhook jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  insert into public.webhook_endpoints (url, events, locations, products, description, secret, created_by)
  values (
    webhook ->> 'url',
    array(select jsonb_array_elements_text(webhook -> 'events')),
    case when jsonb_typeof(webhook -> 'locations') = 'array'
         then array(select jsonb_array_elements_text(webhook -> 'locations')) end,
    case when jsonb_typeof(webhook -> 'products') = 'array'
         then array(select jsonb_array_elements_text(webhook -> 'products')) end,
    coalesce(webhook ->> 'description', ''),
    webhook ->> 'secret',
    webhook ->> 'created_by')
  returning * into v_endpoint;
  return to_jsonb(v_endpoint) - 'secret';
end;
$$;

revoke execute on function public.create_webhook(jsonb) from public, anon, authenticated;
grant execute on function public.create_webhook(jsonb) to service_role;
