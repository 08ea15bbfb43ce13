-- The per-bucket digests as the triggers keep them: the folded totals with the deltas not folded
-- yet, for the given buckets (null: all). Empty buckets are left out.
create function stockwire_private.digest_state(p_buckets integer[])
returns table (bucket integer, products bigint, stock_rows bigint, hash bigint)
language sql
stable
set search_path = ''
as $$
  select c.bucket, sum(c.products)::bigint, sum(c.stock_rows)::bigint, bit_xor(c.hash)
    from (select b.bucket, b.products, b.stock_rows, b.hash
            from stockwire_private.inventory_digest_buckets b
           where p_buckets is null or b.bucket = any (p_buckets)
          union all
          select d.bucket, d.products, d.stock_rows, d.hash
            from stockwire_private.inventory_digest_deltas d
           where p_buckets is null or d.bucket = any (p_buckets)) c
   group by c.bucket
  having sum(c.products) <> 0 or sum(c.stock_rows) <> 0 or bit_xor(c.hash) <> 0
$$;

revoke execute on function stockwire_private.digest_state(integer[]) from public, anon, authenticated, service_role;
