-- The anti-entropy check's first look: the digest of every bucket of products, as the triggers keep
-- them, costing what was written since the last look rather than a read of all stock. A store
-- compares them with the same digests of its cache (apps/api/src/sync/bucket.digest.ts) and reads
-- only the buckets that differ. First folds the deltas the triggers appended into the totals (one
-- caller at a time folds; the others read totals and deltas together, which says the same).
-- Answer: {buckets: the bucket count, products, rows, digests: [[bucket, products, rows, hash hex]]}
-- for every bucket that is not empty, by bucket.
create function public.inventory_bucket_digests()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  if pg_try_advisory_xact_lock(hashtext('stockwire.inventory_digest_deltas')) then
    with folded as (
      delete from stockwire_private.inventory_digest_deltas
      returning bucket, products, stock_rows, hash
    ), totals as (
      select f.bucket, sum(f.products)::bigint as products, sum(f.stock_rows)::bigint as stock_rows,
             bit_xor(f.hash) as hash
        from folded f
       group by f.bucket
    )
    insert into stockwire_private.inventory_digest_buckets as b (bucket, products, stock_rows, hash)
    select t.bucket, t.products, t.stock_rows, t.hash from totals t order by t.bucket
    on conflict (bucket) do update
      set products = b.products + excluded.products,
          stock_rows = b.stock_rows + excluded.stock_rows,
          hash = b.hash # excluded.hash;
  end if;
  return (
    select jsonb_build_object(
      'buckets', stockwire_private.digest_bucket_count(),
      'products', coalesce(sum(s.products), 0),
      'rows', coalesce(sum(s.stock_rows), 0),
      'digests', coalesce(jsonb_agg(
        jsonb_build_array(s.bucket, s.products, s.stock_rows, to_hex(s.hash)) order by s.bucket), '[]'))
      from stockwire_private.digest_state(null) s);
end;
$$;

revoke execute on function public.inventory_bucket_digests() from public, anon, authenticated;
grant execute on function public.inventory_bucket_digests() to service_role;
