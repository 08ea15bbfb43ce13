-- The per-bucket digests computed from the tables themselves, for the given buckets: per bucket,
-- its products and stock rows and the XOR of digest_hash over their lines (digest_line_product,
-- digest_line_stock). What the triggers keep must equal this; a write made with the triggers off
-- is where it does not. The buckets' products are found first, so that their stock rows are read
-- through the primary key alone (a few buckets of a million rows: milliseconds). Empty buckets are
-- left out.
create function stockwire_private.digest_truth(p_buckets integer[])
returns table (bucket integer, products bigint, stock_rows bigint, hash bigint)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_ids text[];
begin
  select coalesce(array_agg(p.id), '{}') into v_ids
    from public.products p
   where stockwire_private.digest_bucket_of(p.id) = any (p_buckets);
  return query
  select c.bucket, sum(c.products)::bigint, sum(c.stock_rows)::bigint, bit_xor(c.hash)
    from (select stockwire_private.digest_bucket_of(p.id) as bucket, 1 as products, 0 as stock_rows,
                 stockwire_private.digest_hash(stockwire_private.digest_line_product(p)) as hash
            from public.products p
           where p.id = any (v_ids)
          union all
          select stockwire_private.digest_bucket_of(s.product_id), 0, 1,
                 stockwire_private.digest_hash(stockwire_private.digest_line_stock(s))
            from public.stock_levels s
           where s.product_id = any (v_ids)) c
   group by c.bucket;
end;
$$;

revoke execute on function stockwire_private.digest_truth(integer[]) from public, anon, authenticated, service_role;
