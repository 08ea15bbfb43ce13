-- Adds a location. Input: {id, name, kind?}. Output: {ok: true, location} or
-- {ok: false, code: 'location_exists'}.
create function public.create_location(location jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_location public.locations;
begin
  insert into public.locations (id, name, kind)
  values (location ->> 'id', location ->> 'name', coalesce(location ->> 'kind', 'store'))
  on conflict (id) do nothing
  returning * into v_location;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'location_exists');
  end if;
  return jsonb_build_object('ok', true, 'location', to_jsonb(v_location));
end;
$$;

revoke execute on function public.create_location(jsonb) from public, anon, authenticated;
grant execute on function public.create_location(jsonb) to service_role;
