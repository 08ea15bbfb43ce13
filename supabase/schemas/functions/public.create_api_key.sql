-- Input: {id, role, key_hash, created_by}. Output: {ok: true, key} or {ok: false, code: 'key_exists'}.
create function public.create_api_key(key jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_key public.api_keys;
begin
  insert into public.api_keys (id, role, key_hash, created_by)
  values (key ->> 'id', key ->> 'role', key ->> 'key_hash', key ->> 'created_by')
  on conflict do nothing
  returning * into v_key;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'key_exists');
  end if;
  return jsonb_build_object('ok', true, 'key', to_jsonb(v_key) - 'key_hash');
end;
$$;

revoke execute on function public.create_api_key(jsonb) from public, anon, authenticated;
grant execute on function public.create_api_key(jsonb) to service_role;
