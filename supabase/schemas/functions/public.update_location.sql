-- Renames a location or makes it active or inactive; what the patch leaves out stays as it is.
-- Input: location_id, patch {name?, active?}. Output: {ok: true, location} or
-- {ok: false, code: 'location_not_found'}.
create function public.update_location(location_id text, patch jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_location public.locations;
begin
  update public.locations x
     set name = coalesce(patch ->> 'name', x.name),
         active = coalesce((patch ->> 'active')::boolean, x.active)
   where x.id = location_id
  returning * into v_location;
  if not found then
    return jsonb_build_object('ok', false, 'code', 'location_not_found');
  end if;
  return jsonb_build_object('ok', true, 'location', to_jsonb(v_location));
end;
$$;

revoke execute on function public.update_location(text, jsonb) from public, anon, authenticated;
grant execute on function public.update_location(text, jsonb) to service_role;
