-- Queues one event for every enabled endpoint that wants it: its type among the endpoint's events,
-- its location and product within the endpoint's filters (an event without one passes that filter).
-- Runs in the transaction of the change, from the triggers below. The body is Standard Webhooks'
-- {type, timestamp, data}.
create function stockwire_private.enqueue_webhook(
  p_type text, p_message_id text, p_product_id text, p_location text, p_data jsonb)
returns void
language sql
security definer set search_path = ''
as $$
  insert into public.webhook_deliveries (endpoint_id, message_id, event_type, product_id, payload)
  select e.id, p_message_id, p_type, p_product_id,
         jsonb_build_object('type', p_type, 'timestamp', now(), 'data', p_data)
    from public.webhook_endpoints e
   where e.enabled
     and p_type = any (e.events)
     and (e.locations is null or p_location is null or p_location = any (e.locations))
     and (e.products is null or p_product_id is null or p_product_id = any (e.products))
   order by e.id;
$$;

revoke execute on function stockwire_private.enqueue_webhook(text, text, text, text, jsonb) from public, anon, authenticated, service_role;
