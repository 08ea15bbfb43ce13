-- Forgets idempotency keys past their expiry.
create function public.purge_idempotency_keys()
returns integer
language sql
security definer set search_path = ''
as $$
  with gone as (delete from public.idempotency_keys where expires_at <= now() returning 1)
  select count(*)::integer from gone
$$;

revoke execute on function public.purge_idempotency_keys() from public, anon, authenticated;
grant execute on function public.purge_idempotency_keys() to service_role;
