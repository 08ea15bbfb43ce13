-- Stores the result of a request made with an idempotency key (see idem_claim) and returns it.
create function stockwire_private.idem_store(idem jsonb, result jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  if idem is not null and idem <> 'null'::jsonb then
    update public.idempotency_keys set result = idem_store.result where key = idem ->> 'key';
  end if;
  return result;
end;
$$;

revoke execute on function stockwire_private.idem_store(jsonb, jsonb) from public, anon, authenticated, service_role;
