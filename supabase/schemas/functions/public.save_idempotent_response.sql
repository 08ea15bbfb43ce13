-- Keeps the HTTP response of a request made with an idempotency key, so a retry gets it verbatim.
create function public.save_idempotent_response(key text, status integer, body jsonb)
returns void
language sql
security definer set search_path = ''
as $$
  update public.idempotency_keys k
     set response_status = save_idempotent_response.status, response_body = save_idempotent_response.body
   where k.key = save_idempotent_response.key and k.result is not null
$$;

revoke execute on function public.save_idempotent_response(text, integer, jsonb) from public, anon, authenticated;
grant execute on function public.save_idempotent_response(text, integer, jsonb) to service_role;
