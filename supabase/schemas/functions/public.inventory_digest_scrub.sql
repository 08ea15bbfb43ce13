-- The digests of the given buckets computed from the tables (stockwire_private.digest_truth), not
-- from what the triggers kept: what finds a write made with the triggers off. A store scrubs a few
-- buckets with every check, in turn, and the buckets that differ before it repairs them. Where the
-- kept digests disagree with the tables, they are set from the tables, with the deltas table locked
-- against writers so that no write in flight is lost or counted twice.
-- Answer: {buckets: the bucket count, reset: [buckets whose kept digest was set right],
-- digests: [[bucket, products, rows, hash hex]]} for every given bucket that is not empty.
create function public.inventory_digest_scrub(buckets integer[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_reset integer[];
  v_digests jsonb;
begin
  if coalesce(array_length(buckets, 1), 0) > stockwire_private.digest_bucket_count() then
    raise exception 'more buckets than there are' using errcode = '22023';
  end if;
  -- One statement, one snapshot: a write's rows and its deltas are seen together or not at all.
  with truth as (
    select * from stockwire_private.digest_truth(buckets)
  )
  select (select array_agg(coalesce(t.bucket, s.bucket) order by coalesce(t.bucket, s.bucket))
            from truth t
            full join stockwire_private.digest_state(buckets) s on s.bucket = t.bucket
           where (t.products, t.stock_rows, t.hash) is distinct from (s.products, s.stock_rows, s.hash)),
         (select coalesce(jsonb_agg(
                   jsonb_build_array(t.bucket, t.products, t.stock_rows, to_hex(t.hash)) order by t.bucket),
                   '[]')
            from truth t)
    into v_reset, v_digests;
  if v_reset is not null then
    lock table stockwire_private.inventory_digest_deltas in share row exclusive mode;
    delete from stockwire_private.inventory_digest_deltas d where d.bucket = any (v_reset);
    delete from stockwire_private.inventory_digest_buckets b where b.bucket = any (v_reset);
    insert into stockwire_private.inventory_digest_buckets (bucket, products, stock_rows, hash)
    select t.bucket, t.products, t.stock_rows, t.hash from stockwire_private.digest_truth(v_reset) t;
  end if;
  return jsonb_build_object(
    'buckets', stockwire_private.digest_bucket_count(),
    'reset', coalesce(to_jsonb(v_reset), '[]'),
    'digests', v_digests);
end;
$$;

revoke execute on function public.inventory_digest_scrub(integer[]) from public, anon, authenticated;
grant execute on function public.inventory_digest_scrub(integer[]) to service_role;
