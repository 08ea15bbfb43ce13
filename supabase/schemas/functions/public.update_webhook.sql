-- Changes what `changes` names of an endpoint ({url?, events?, locations?, products?,
-- description?, enabled?, secret?}). Enabling it again forgets its failures. Output: the endpoint
-- without its secret, or null when there is none with this id.
create function public.update_webhook(endpoint_id uuid, changes jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
  v_enable boolean := (changes ->> 'enabled')::boolean;
begin
  update public.webhook_endpoints e set
    url = coalesce(changes ->> 'url', e.url),
    events = case when changes ? 'events'
                  then array(select jsonb_array_elements_text(changes -> 'events')) else e.events end,
    locations = case when not changes ? 'locations' then e.locations
                     when jsonb_typeof(changes -> 'locations') = 'array'
                     then array(select jsonb_array_elements_text(changes -> 'locations')) end,
    products = case when not changes ? 'products' then e.products
                    when jsonb_typeof(changes -> 'products') = 'array'
                    then array(select jsonb_array_elements_text(changes -> 'products')) end,
    description = coalesce(changes ->> 'description', e.description),
    secret = coalesce(changes ->> 'secret', e.secret),
    enabled = coalesce(v_enable, e.enabled),
    failing_since = case when v_enable and not e.enabled then null else e.failing_since end,
    disabled_reason = case when v_enable then null
                           when v_enable = false then 'disabled by an admin'
                           else e.disabled_reason end,
    updated_at = now()
  where e.id = endpoint_id
  returning * into v_endpoint;
  if not found then
    return null;
  end if;
  return to_jsonb(v_endpoint) - 'secret';
end;
$$;

revoke execute on function public.update_webhook(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.update_webhook(uuid, jsonb) to service_role;
