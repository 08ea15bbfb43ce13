-- Releases holds whose time is up, at most `max_rows` stock rows per call. Safe to run from any
-- number of instances at once: each hold is expired by exactly one of them.
-- Output: {changes, expired}.
create function public.expire_reservations(max_rows integer, store text)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  k record;
  v_move jsonb;
  v_changes jsonb := '[]'::jsonb;
  v_expired jsonb := '[]'::jsonb;
begin
  for k in
    select distinct r.product_id, r.location
      from public.reservations r
     where r.status = 'held' and r.expires_at <= now()
     order by r.product_id, r.location
     limit greatest(max_rows, 1)
  loop
    v_move := stockwire_private.apply_move(k.product_id, k.location, 0, 0, false, 'expire',
                                           expire_reservations.store, null, 'system:expiry', null, null);
    v_changes := v_changes || (v_move -> 'changes');
    v_expired := v_expired || (v_move -> 'expired');
  end loop;
  return jsonb_build_object('changes', v_changes, 'expired', v_expired);
end;
$$;

revoke execute on function public.expire_reservations(integer, text) from public, anon, authenticated;
grant execute on function public.expire_reservations(integer, text) to service_role;
