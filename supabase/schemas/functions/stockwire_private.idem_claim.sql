-- Claims an idempotency key for this transaction. Returns null when the caller should go ahead
-- (new key, or an expired one), {replay: result, response_status, response_body} when the key was
-- used before with the same scope and request, or {mismatch: true} when it was used differently.
-- A concurrent request with the same key waits here until the first one commits.
create function stockwire_private.idem_claim(idem jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_key public.idempotency_keys;
begin
  if idem is null or idem = 'null'::jsonb then
    return null;
  end if;
  insert into public.idempotency_keys as k (key, scope, request_hash, expires_at)
  values (idem ->> 'key', idem ->> 'scope', idem ->> 'hash',
          now() + make_interval(secs => coalesce((idem ->> 'ttl_seconds')::integer, 86400)))
  on conflict (key) do update
    set scope = excluded.scope, request_hash = excluded.request_hash, result = null,
        response_status = null, response_body = null, created_at = now(), expires_at = excluded.expires_at
    where k.expires_at <= now()
  returning k.* into v_key;
  if found then
    return null;
  end if;
  select * into v_key from public.idempotency_keys k where k.key = idem ->> 'key';
  if v_key.scope <> idem ->> 'scope' or v_key.request_hash <> idem ->> 'hash' then
    return jsonb_build_object('mismatch', true);
  end if;
  return jsonb_build_object('replay', v_key.result, 'response_status', v_key.response_status,
                            'response_body', v_key.response_body);
end;
$$;

revoke execute on function stockwire_private.idem_claim(jsonb) from public, anon, authenticated, service_role;
