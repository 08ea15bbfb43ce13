-- Anti-entropy digests per bucket of products, kept by statement triggers as writes happen, so
-- that a check costs what was written since the last one instead of a read of all stock; a scrub
-- reads a few buckets from the tables with every check, which finds writes made with triggers off.

-- The anti-entropy digest kept per bucket of products (a bucket is a slice of the products by a hash
-- of their id: stockwire_private.digest_bucket_of). Each bucket holds how many products and stock
-- rows it has and the XOR of a 64-bit hash of each one's line (see digest_truth), so that a change
-- is folded in by XORing the old line's hash out and the new one's in. Brought up to date from
-- inventory_digest_deltas by inventory_bucket_digests; set from the tables by inventory_digest_scrub.
create table stockwire_private.inventory_digest_buckets (
  bucket integer primary key,
  products bigint not null,
  stock_rows bigint not null,
  hash bigint not null
);

revoke all on stockwire_private.inventory_digest_buckets from public, anon, authenticated, service_role;

-- What writes did to the per-bucket digests and has not been folded into inventory_digest_buckets
-- yet: one row per bucket a statement touched, appended by the triggers digest_track_products and
-- digest_track_stock. Append-only, so that writers to different products never wait for one
-- another here; inventory_bucket_digests folds the rows into the totals.
create table stockwire_private.inventory_digest_deltas (
  bucket integer not null,
  products bigint not null,
  stock_rows bigint not null,
  hash bigint not null
);

revoke all on stockwire_private.inventory_digest_deltas from public, anon, authenticated, service_role;

-- How many buckets the anti-entropy digest splits the products into. The stores compute the same
-- buckets (apps/api/src/sync/bucket.digest.ts) and refuse a database that answers another count.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_bucket_count()
returns integer
language sql
immutable
as $$
  select 1024
$$;

revoke execute on function stockwire_private.digest_bucket_count() from public, anon, authenticated, service_role;

-- The digest bucket of a product: the first 16 bits of md5(id), modulo the bucket count.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_bucket_of(p_id text)
returns integer
language sql
immutable
as $$
  select ('x' || left(md5(p_id), 4))::bit(16)::integer % stockwire_private.digest_bucket_count()
$$;

revoke execute on function stockwire_private.digest_bucket_of(text) from public, anon, authenticated, service_role;

-- A line's share of its bucket's digest: the first 64 bits of its md5, as a signed bigint.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_hash(p_line text)
returns bigint
language sql
immutable
as $$
  select ('x' || left(md5(p_line), 16))::bit(64)::bigint
$$;

revoke execute on function stockwire_private.digest_hash(text) from public, anon, authenticated, service_role;

-- A product's line of the digest: id TAB name TAB description TAB low_stock_threshold. Columns the
-- digest does not name (created_at, and any added later) do not change it.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_line_product(p public.products)
returns text
language sql
immutable
as $$
  select p.id || E'\t' || p.name || E'\t' || p.description || E'\t' || p.low_stock_threshold
$$;

revoke execute on function stockwire_private.digest_line_product(public.products) from public, anon, authenticated, service_role;

-- A stock row's line of the digest: product_id TAB location=on_hand/reserved@version. Columns the
-- digest does not name (updated_at, in_transit, and any added later) do not change it.
-- No SET clause, so that Postgres inlines it where it is used (it runs per row): every object it
-- names is schema-qualified, and built-ins resolve from pg_catalog first.
create function stockwire_private.digest_line_stock(s public.stock_levels)
returns text
language sql
immutable
as $$
  select s.product_id || E'\t' || s.location || '=' || s.on_hand || '/' || s.reserved || '@' || s.version
$$;

revoke execute on function stockwire_private.digest_line_stock(public.stock_levels) from public, anon, authenticated, service_role;

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

-- After a statement wrote stock rows: appends, per bucket it touched, the stock rows it added or
-- removed and the XOR of the hashes of the lines it took out and put in. Run by the triggers
-- stock_levels_digest_insert, _update and _delete.
create function stockwire_private.digest_track_stock()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into stockwire_private.inventory_digest_deltas (bucket, products, stock_rows, hash)
    select stockwire_private.digest_bucket_of(n.product_id), 0, count(*),
           bit_xor(stockwire_private.digest_hash(stockwire_private.digest_line_stock(n)))
      from new_rows n
     group by 1;
  elsif tg_op = 'DELETE' then
    insert into stockwire_private.inventory_digest_deltas (bucket, products, stock_rows, hash)
    select stockwire_private.digest_bucket_of(o.product_id), 0, -count(*),
           bit_xor(stockwire_private.digest_hash(stockwire_private.digest_line_stock(o)))
      from old_rows o
     group by 1;
  else
    insert into stockwire_private.inventory_digest_deltas (bucket, products, stock_rows, hash)
    select c.bucket, 0, sum(c.n), bit_xor(c.hash)
      from (select stockwire_private.digest_bucket_of(o.product_id) as bucket, -1 as n,
                   stockwire_private.digest_hash(stockwire_private.digest_line_stock(o)) as hash
              from old_rows o
            union all
            select stockwire_private.digest_bucket_of(n.product_id), 1,
                   stockwire_private.digest_hash(stockwire_private.digest_line_stock(n))
              from new_rows n) c
     group by c.bucket
    having sum(c.n) <> 0 or bit_xor(c.hash) <> 0;
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.digest_track_stock() from public, anon, authenticated, service_role;

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

-- The ids of the products in the given digest buckets, in id order: what a store reads again when
-- the digests of those buckets differ from its cache's.
create function public.inventory_bucket_members(buckets integer[])
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(p.id order by p.id collate "C"), '[]')
    from public.products p
   where stockwire_private.digest_bucket_of(p.id) = any (buckets);
$$;

revoke execute on function public.inventory_bucket_members(integer[]) from public, anon, authenticated;
grant execute on function public.inventory_bucket_members(integer[]) to service_role;

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

-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_products.sql).
create trigger products_digest_delete
  after delete on public.products
  referencing old table as old_rows
  for each statement
  execute function stockwire_private.digest_track_products();

-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_products.sql).
create trigger products_digest_insert
  after insert on public.products
  referencing new table as new_rows
  for each statement
  execute function stockwire_private.digest_track_products();

-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_products.sql).
create trigger products_digest_update
  after update on public.products
  referencing old table as old_rows new table as new_rows
  for each statement
  execute function stockwire_private.digest_track_products();

-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_stock.sql).
create trigger stock_levels_digest_delete
  after delete on public.stock_levels
  referencing old table as old_rows
  for each statement
  execute function stockwire_private.digest_track_stock();

-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_stock.sql).
create trigger stock_levels_digest_insert
  after insert on public.stock_levels
  referencing new table as new_rows
  for each statement
  execute function stockwire_private.digest_track_stock();

-- Keeps the anti-entropy digest of the rows' buckets (functions/stockwire_private.digest_track_stock.sql).
create trigger stock_levels_digest_update
  after update on public.stock_levels
  referencing old table as old_rows new table as new_rows
  for each statement
  execute function stockwire_private.digest_track_stock();

-- The buckets of what is stored already.
insert into stockwire_private.inventory_digest_buckets (bucket, products, stock_rows, hash)
select t.bucket, t.products, t.stock_rows, t.hash
  from stockwire_private.digest_truth(
         array(select generate_series(0, stockwire_private.digest_bucket_count() - 1))) t;
