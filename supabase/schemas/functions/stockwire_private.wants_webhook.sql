-- Whether any enabled endpoint takes events of this type: a trigger builds a payload only then.
create function stockwire_private.wants_webhook(p_type text)
returns boolean
language sql
stable
security definer set search_path = ''
as $$
  select exists (select 1 from public.webhook_endpoints e where e.enabled and p_type = any (e.events));
$$;

revoke execute on function stockwire_private.wants_webhook(text) from public, anon, authenticated, service_role;
