-- Marks the held reservations at (p, l) whose time is up as expired and returns them.
create function stockwire_private.expire_holds(p text, l text)
returns jsonb
language sql
set search_path = ''
as $$
  with expired as (
    update public.reservations r
       set status = 'expired', updated_at = now()
     where r.product_id = p and r.location = l and r.status = 'held' and r.expires_at <= now()
    returning r.id as reservation_id, r.product_id, r.location, r.quantity, r.client_id, r.order_id
  )
  select coalesce(jsonb_agg(to_jsonb(expired) order by expired.reservation_id), '[]'::jsonb) from expired
$$;

revoke execute on function stockwire_private.expire_holds(text, text) from public, anon, authenticated, service_role;
