-- Output: {ok: true, key} or {ok: false, code: 'key_not_found'}; revoking twice keeps the first time.
create function public.revoke_api_key(key_id text)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_key public.api_keys;
begin
  update public.api_keys k set revoked_at = coalesce(k.revoked_at, now())
   where k.id = key_id
  returning * into v_key;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'key_not_found');
  end if;
  return jsonb_build_object('ok', true, 'key', to_jsonb(v_key) - 'key_hash');
end;
$$;

revoke execute on function public.revoke_api_key(text) from public, anon, authenticated;
grant execute on function public.revoke_api_key(text) to service_role;
