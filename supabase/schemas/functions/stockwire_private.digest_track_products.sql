-- After a statement wrote products: appends, per bucket it touched, the products it added or
-- removed and the XOR of the hashes of the lines it took out and put in. Run by the triggers
-- products_digest_insert, _update and _delete.
create function stockwire_private.digest_track_products()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into stockwire_private.inventory_digest_deltas (bucket, products, stock_rows, hash)
    select stockwire_private.digest_bucket_of(n.id), count(*), 0,
           bit_xor(stockwire_private.digest_hash(stockwire_private.digest_line_product(n)))
      from new_rows n
     group by 1;
  elsif tg_op = 'DELETE' then
    insert into stockwire_private.inventory_digest_deltas (bucket, products, stock_rows, hash)
    select stockwire_private.digest_bucket_of(o.id), -count(*), 0,
           bit_xor(stockwire_private.digest_hash(stockwire_private.digest_line_product(o)))
      from old_rows o
     group by 1;
  else
    insert into stockwire_private.inventory_digest_deltas (bucket, products, stock_rows, hash)
    select c.bucket, sum(c.n), 0, bit_xor(c.hash)
      from (select stockwire_private.digest_bucket_of(o.id) as bucket, -1 as n,
                   stockwire_private.digest_hash(stockwire_private.digest_line_product(o)) as hash
              from old_rows o
            union all
            select stockwire_private.digest_bucket_of(n.id), 1,
                   stockwire_private.digest_hash(stockwire_private.digest_line_product(n))
              from new_rows n) c
     group by c.bucket
    having sum(c.n) <> 0 or bit_xor(c.hash) <> 0;
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.digest_track_products() from public, anon, authenticated, service_role;
