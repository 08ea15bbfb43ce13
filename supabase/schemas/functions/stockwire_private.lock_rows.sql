-- Locks the stock rows a batch touches, in one order, so concurrent batches queue instead of
-- deadlocking. `keys` is a JSON array of objects with product_id and location.
create function stockwire_private.lock_rows(keys jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform 1
     from public.stock_levels s
     join (select distinct x ->> 'product_id' as product_id, x ->> 'location' as location
             from jsonb_array_elements(keys) x) k
       on s.product_id = k.product_id and s.location = k.location
    order by s.product_id, s.location
      for update of s;
end;
$$;

revoke execute on function stockwire_private.lock_rows(jsonb) from public, anon, authenticated, service_role;
