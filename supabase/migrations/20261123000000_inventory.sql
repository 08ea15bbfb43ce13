-- Stockwire's system of record: products, stock per (product, location), and the movement ledger.
-- Every change goes through apply_stock_changes, so the guard, the version bump and the ledger row
-- can never be separated.

create table public.products (
  id text primary key check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  low_stock_threshold integer not null default 10 check (low_stock_threshold >= 0),
  created_at timestamptz not null default now()
);

create table public.stock_levels (
  product_id text not null references public.products (id) on delete cascade,
  location text not null check (location ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  on_hand integer not null default 0 check (on_hand >= 0),
  reserved integer not null default 0 check (reserved >= 0),
  version bigint not null default 1 check (version >= 1),
  updated_at timestamptz not null default now(),
  primary key (product_id, location),
  check (reserved <= on_hand)
);

create table public.inventory_events (
  id bigint generated always as identity primary key,
  product_id text not null references public.products (id) on delete cascade,
  location text not null,
  update_type text not null
    check (update_type in ('sale', 'restock', 'adjustment', 'return', 'damage')),
  change integer not null check (change <> 0),
  previous_quantity integer not null check (previous_quantity >= 0),
  new_quantity integer not null check (new_quantity >= 0),
  version bigint not null,
  request_id text,
  store text not null,
  -- Who made the change: an API key id (`key:…`), a user (`user:…`), or the system (`system:…`).
  actor text,
  created_at timestamptz not null default now(),
  check (new_quantity = previous_quantity + change)
);
create index inventory_events_product_location on public.inventory_events (product_id, location, id);

alter table public.products enable row level security;
alter table public.stock_levels enable row level security;
alter table public.inventory_events enable row level security;

revoke all on public.products, public.stock_levels, public.inventory_events from anon, authenticated;
-- Reads only: every write goes through the functions below, which run as their owner.
revoke all on public.products, public.stock_levels, public.inventory_events from service_role;
grant select on public.products, public.stock_levels, public.inventory_events to service_role;

-- Applies a batch of stock changes in one transaction, each guarded on its own: a refused change
-- is reported in its result and does not fail its neighbours. Input: a JSON array of
-- {product_id, location, change, update_type, request_id?, store}. Output: one JSON object per
-- change, in input order, {ok: true, ...row, event_id} or {ok: false, code, available}.
create function public.apply_stock_changes(changes jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  c jsonb;
  results jsonb := '[]'::jsonb;
  v_product text;
  v_location text;
  v_change integer;
  v_type text;
  v_row public.stock_levels;
  v_available integer;
  v_event bigint;
begin
  if jsonb_typeof(changes) is distinct from 'array' then
    raise exception 'changes must be a JSON array' using errcode = '22023';
  end if;

  -- Lock every existing row the batch touches in one fixed order, so that concurrent batches
  -- touching the same rows queue up instead of deadlocking.
  perform 1
    from public.stock_levels s
    join (select distinct x ->> 'product_id' as product_id, x ->> 'location' as location
            from jsonb_array_elements(changes) x) k
      on s.product_id = k.product_id and s.location = k.location
   order by s.product_id, s.location
     for update of s;

  for c in select value from jsonb_array_elements(changes) loop
    v_product := c ->> 'product_id';
    v_location := c ->> 'location';
    v_change := (c ->> 'change')::integer;
    v_type := c ->> 'update_type';

    if not exists (select 1 from public.products p where p.id = v_product) then
      results := results || jsonb_build_array(jsonb_build_object('ok', false, 'code', 'product_not_found'));
      continue;
    end if;

    if v_change = 0
       or (v_type in ('sale', 'damage') and v_change > 0)
       or (v_type in ('restock', 'return') and v_change < 0)
       or v_type not in ('sale', 'restock', 'adjustment', 'return', 'damage') then
      results := results || jsonb_build_array(jsonb_build_object('ok', false, 'code', 'invalid_change'));
      continue;
    end if;

    if v_change > 0 then
      insert into public.stock_levels as s (product_id, location, on_hand)
      values (v_product, v_location, v_change)
      on conflict (product_id, location) do update
        set on_hand = s.on_hand + excluded.on_hand,
            version = s.version + 1,
            updated_at = now()
        where s.on_hand::bigint + excluded.on_hand <= 2147483647
      returning s.* into v_row;
    else
      update public.stock_levels s
         set on_hand = s.on_hand + v_change,
             version = s.version + 1,
             updated_at = now()
       where s.product_id = v_product
         and s.location = v_location
         and s.on_hand + v_change >= s.reserved
      returning s.* into v_row;
    end if;

    if not found then
      select s.on_hand - s.reserved into v_available
        from public.stock_levels s
       where s.product_id = v_product and s.location = v_location;
      results := results || jsonb_build_array(jsonb_build_object(
        'ok', false,
        'code', case when v_change > 0 then 'quantity_out_of_range' else 'insufficient_stock' end,
        'available', coalesce(v_available, 0)));
      continue;
    end if;

    insert into public.inventory_events
      (product_id, location, update_type, change, previous_quantity, new_quantity, version, request_id, store)
    values
      (v_product, v_location, v_type, v_change, v_row.on_hand - v_change, v_row.on_hand, v_row.version,
       c ->> 'request_id', coalesce(c ->> 'store', 'unknown'))
    returning id into v_event;

    results := results || jsonb_build_array(jsonb_build_object(
      'ok', true,
      'product_id', v_row.product_id,
      'location', v_row.location,
      'on_hand', v_row.on_hand,
      'reserved', v_row.reserved,
      'version', v_row.version,
      'updated_at', v_row.updated_at,
      'change', v_change,
      'update_type', v_type,
      'event_id', v_event));
  end loop;

  return results;
end;
$$;

-- Adds a product with optional initial stock per location; the initial stock is recorded in the
-- ledger as restocks so that the ledger always explains the stock rows.
-- Input: {id, name, description, low_stock_threshold, stock: {location: quantity}, store, request_id?}.
-- Output: {ok: true, product, levels} or {ok: false, code: 'product_exists'}.
create function public.create_product(product jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_product public.products;
  v_level public.stock_levels;
  v_levels jsonb := '[]'::jsonb;
  v_stock record;
begin
  insert into public.products (id, name, description, low_stock_threshold)
  values (product ->> 'id', product ->> 'name', coalesce(product ->> 'description', ''),
          coalesce((product ->> 'low_stock_threshold')::integer, 10))
  on conflict (id) do nothing
  returning * into v_product;

  if not found then
    return jsonb_build_object('ok', false, 'code', 'product_exists');
  end if;

  for v_stock in
    select key as location, value::integer as quantity
      from jsonb_each_text(coalesce(product -> 'stock', '{}'::jsonb))
     order by key
  loop
    insert into public.stock_levels (product_id, location, on_hand)
    values (v_product.id, v_stock.location, v_stock.quantity)
    returning * into v_level;

    if v_stock.quantity > 0 then
      insert into public.inventory_events
        (product_id, location, update_type, change, previous_quantity, new_quantity, version, request_id, store, actor)
      values
        (v_product.id, v_stock.location, 'restock', v_stock.quantity, 0, v_stock.quantity, v_level.version,
         product ->> 'request_id', coalesce(product ->> 'store', 'unknown'), product ->> 'actor');
    end if;

    v_levels := v_levels || jsonb_build_array(jsonb_build_object(
      'location', v_level.location,
      'on_hand', v_level.on_hand,
      'reserved', v_level.reserved,
      'version', v_level.version,
      'updated_at', v_level.updated_at));
  end loop;

  return jsonb_build_object(
    'ok', true,
    'product', jsonb_build_object(
      'id', v_product.id,
      'name', v_product.name,
      'description', v_product.description,
      'low_stock_threshold', v_product.low_stock_threshold),
    'levels', v_levels);
end;
$$;

revoke execute on function public.apply_stock_changes(jsonb) from public, anon, authenticated;
revoke execute on function public.create_product(jsonb) from public, anon, authenticated;
grant execute on function public.apply_stock_changes(jsonb) to service_role;
grant execute on function public.create_product(jsonb) to service_role;
