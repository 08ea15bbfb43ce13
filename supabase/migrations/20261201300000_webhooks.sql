-- Webhooks: endpoints, the outbox their deliveries are queued in by triggers in the writer's
-- transaction, the attempts log, and the functions the API and the delivery workers call.

-- Systems that act on stock events (an e-commerce front, purchasing, an ERP) and the events each
-- wants. Rows are written by the webhook functions only; `secret` signs every delivery (Standard
-- Webhooks) and is read by the delivery worker alone, never listed.
create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  url text not null check (url ~ '^https?://' and length(url) <= 2048),
  events text[] not null check (cardinality(events) between 1 and 32),
  -- Null: every location (product); else only events about these.
  locations text[],
  products text[],
  description text not null default '' check (length(description) <= 500),
  secret text not null check (secret ~ '^whsec_'),
  enabled boolean not null default true,
  -- Since when every attempt has failed; null after a success. A day of it disables the endpoint.
  failing_since timestamptz,
  disabled_reason text,
  created_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table public.webhook_endpoints enable row level security;
revoke all on public.webhook_endpoints from anon, authenticated, service_role;
grant select on public.webhook_endpoints to service_role;

-- The webhook outbox: one row per event and endpoint, inserted by triggers in the transaction of
-- the change it reports, so an event is queued exactly when it happened. Delivery workers in every
-- store claim due rows (claim_webhook_deliveries) under a lease, one attempt at a time, in order per
-- endpoint and product.
create table public.webhook_deliveries (
  id bigint generated always as identity primary key,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  -- The `webhook-id` header: the same for every attempt, so receivers can drop duplicates.
  message_id text not null,
  event_type text not null,
  -- What orders deliveries: one endpoint sees a product's events in the order they happened.
  product_id text,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  claimed_by text,
  claimed_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index webhook_deliveries_due on public.webhook_deliveries (next_attempt_at, id)
  where status = 'pending';
create index webhook_deliveries_order
  on public.webhook_deliveries (endpoint_id, (coalesce(product_id, '')), id)
  where status = 'pending';
create index webhook_deliveries_endpoint on public.webhook_deliveries (endpoint_id, id);

alter table public.webhook_deliveries enable row level security;
revoke all on public.webhook_deliveries from anon, authenticated, service_role;
grant select on public.webhook_deliveries to service_role;

-- Every delivery attempt, opened when a worker claims the delivery (`in_flight`) and closed with
-- what the receiver answered. An attempt whose worker died stays visible as `lease_expired` when
-- another worker claims the delivery again.
create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references public.webhook_deliveries (id) on delete cascade,
  worker text not null,
  outcome text not null default 'in_flight'
    check (outcome in ('in_flight', 'delivered', 'retry', 'failed', 'lease_expired')),
  status_code integer,
  duration_ms integer,
  error text,
  -- The first bytes of the receiver's answer.
  response text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index webhook_attempts_delivery on public.webhook_attempts (delivery_id, id);

alter table public.webhook_attempts enable row level security;
revoke all on public.webhook_attempts from anon, authenticated, service_role;
grant select on public.webhook_attempts to service_role;

-- Something about an endpoint that an admin must see: it failed for so long that it was disabled.
create table public.webhook_alerts (
  id bigint generated always as identity primary key,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  kind text not null check (kind in ('endpoint_disabled')),
  message text not null,
  created_at timestamptz not null default now()
);

alter table public.webhook_alerts enable row level security;
revoke all on public.webhook_alerts from anon, authenticated, service_role;
grant select on public.webhook_alerts to service_role;

-- Queues one event for every enabled endpoint that wants it: its type among the endpoint's events,
-- its location and product within the endpoint's filters (an event without one passes that filter).
-- Runs in the transaction of the change, from the triggers below. The body is Standard Webhooks'
-- {type, timestamp, data}.
create function stockwire_private.enqueue_webhook(
  p_type text, p_message_id text, p_product_id text, p_location text, p_data jsonb)
returns void
language sql
security definer set search_path = ''
as $$
  insert into public.webhook_deliveries (endpoint_id, message_id, event_type, product_id, payload)
  select e.id, p_message_id, p_type, p_product_id,
         jsonb_build_object('type', p_type, 'timestamp', now(), 'data', p_data)
    from public.webhook_endpoints e
   where e.enabled
     and p_type = any (e.events)
     and (e.locations is null or p_location is null or p_location = any (e.locations))
     and (e.products is null or p_product_id is null or p_product_id = any (e.products))
   order by e.id;
$$;

revoke execute on function stockwire_private.enqueue_webhook(text, text, text, text, jsonb) from public, anon, authenticated, service_role;

-- Whether any enabled endpoint takes events of this type: a trigger builds a payload only then.
create function stockwire_private.wants_webhook(p_type text)
returns boolean
language sql
stable
security definer set search_path = ''
as $$
  select exists (select 1 from public.webhook_endpoints e where e.enabled and p_type = any (e.events));
$$;

revoke execute on function stockwire_private.wants_webhook(text) from public, anon, authenticated, service_role;

-- `stock.changed` for a ledger row, with the fields of the socket `update`. The product's totals
-- are the other locations' rows as they stand plus this row's quantity after the change, so each
-- ledger row of a batch reports the quantity it left.
create function stockwire_private.webhook_stock_changed()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_other record;
  v_reserved integer;
begin
  if not stockwire_private.wants_webhook('stock.changed') then
    return null;
  end if;
  select coalesce(sum(s.on_hand), 0) as on_hand, coalesce(sum(s.reserved), 0) as reserved,
         coalesce(sum(s.version), 0) as version
    into v_other
    from public.stock_levels s
   where s.product_id = new.product_id and s.location <> new.location;
  select s.reserved into v_reserved
    from public.stock_levels s
   where s.product_id = new.product_id and s.location = new.location;
  v_reserved := coalesce(v_reserved, 0);
  perform stockwire_private.enqueue_webhook(
    'stock.changed', 'ledger_' || new.id, new.product_id, new.location,
    jsonb_build_object(
      'product_id', new.product_id,
      'warehouse', new.location,
      'quantity', new.new_quantity,
      'change', new.change,
      -- Committing a hold takes it off reserved as it leaves on hand.
      'reserved_change', case when new.reservation_id is not null then new.change else 0 end,
      'update_type', new.update_type,
      'version', new.version,
      'product_version', v_other.version + new.version,
      'timestamp', new.created_at,
      'total_stock', v_other.on_hand + new.new_quantity,
      'reserved_stock', v_other.reserved + v_reserved,
      'available_stock', v_other.on_hand + new.new_quantity - v_other.reserved - v_reserved,
      'store', new.store,
      'event_id', new.id,
      'order_id', new.order_id,
      'reservation_id', new.reservation_id));
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_stock_changed() from public, anon, authenticated, service_role;

-- `stock.low` and `stock.back_in_stock` for a recorded low-stock alert.
create function stockwire_private.webhook_stock_alert()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_type text := case new.kind when 'low_stock' then 'stock.low' else 'stock.back_in_stock' end;
begin
  if stockwire_private.wants_webhook(v_type) then
    perform stockwire_private.enqueue_webhook(
      v_type, 'alert_' || new.id, new.product_id, new.location,
      jsonb_build_object(
        'alert_id', new.id,
        'product_id', new.product_id,
        'warehouse', new.location,
        'kind', new.kind,
        'available', new.available,
        'on_hand', new.on_hand,
        'reserved', new.reserved,
        'threshold', new.threshold,
        'version', new.version,
        'timestamp', new.created_at));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_stock_alert() from public, anon, authenticated, service_role;

-- `product.created`. Its initial stock follows as `stock.changed` (restock) events, in that order.
create function stockwire_private.webhook_product_created()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if stockwire_private.wants_webhook('product.created') then
    perform stockwire_private.enqueue_webhook(
      'product.created', 'product_' || new.id, new.id, null,
      jsonb_build_object(
        'product_id', new.id,
        'name', new.name,
        'description', new.description,
        'low_stock_threshold', new.low_stock_threshold,
        'timestamp', new.created_at));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_product_created() from public, anon, authenticated, service_role;

-- `order.placed`, once per order (place_order records each order id once).
create function stockwire_private.webhook_order_placed()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if stockwire_private.wants_webhook('order.placed') then
    perform stockwire_private.enqueue_webhook(
      'order.placed', 'order_' || new.order_id, null, null,
      jsonb_build_object(
        'order_id', new.order_id,
        'lines', new.lines,
        'store', new.store,
        'timestamp', new.created_at));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_order_placed() from public, anon, authenticated, service_role;

-- `reservation.expired`, when a hold's time ran out and it was released.
create function stockwire_private.webhook_reservation_expired()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  if stockwire_private.wants_webhook('reservation.expired') then
    perform stockwire_private.enqueue_webhook(
      'reservation.expired', 'reservation_' || new.id || '_expired', new.product_id, new.location,
      jsonb_build_object(
        'reservation_id', new.id,
        'product_id', new.product_id,
        'warehouse', new.location,
        'quantity', new.quantity,
        'order_id', new.order_id,
        'timestamp', now()));
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_reservation_expired() from public, anon, authenticated, service_role;

-- Input: {url, events, locations?, products?, description?, secret, created_by}. Output: the
-- endpoint, without its secret (the caller made it and shows it once).
create function public.create_webhook(webhook jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  insert into public.webhook_endpoints (url, events, locations, products, description, secret, created_by)
  values (
    webhook ->> 'url',
    array(select jsonb_array_elements_text(webhook -> 'events')),
    case when jsonb_typeof(webhook -> 'locations') = 'array'
         then array(select jsonb_array_elements_text(webhook -> 'locations')) end,
    case when jsonb_typeof(webhook -> 'products') = 'array'
         then array(select jsonb_array_elements_text(webhook -> 'products')) end,
    coalesce(webhook ->> 'description', ''),
    webhook ->> 'secret',
    webhook ->> 'created_by')
  returning * into v_endpoint;
  return to_jsonb(v_endpoint) - 'secret';
end;
$$;

revoke execute on function public.create_webhook(jsonb) from public, anon, authenticated;
grant execute on function public.create_webhook(jsonb) to service_role;

-- Changes what `changes` names of an endpoint ({url?, events?, locations?, products?,
-- description?, enabled?, secret?}). Enabling it again forgets its failures. Output: the endpoint
-- without its secret, or null when there is none with this id.
create function public.update_webhook(endpoint_id uuid, changes jsonb)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
  v_enable boolean := (changes ->> 'enabled')::boolean;
begin
  update public.webhook_endpoints e set
    url = coalesce(changes ->> 'url', e.url),
    events = case when changes ? 'events'
                  then array(select jsonb_array_elements_text(changes -> 'events')) else e.events end,
    locations = case when not changes ? 'locations' then e.locations
                     when jsonb_typeof(changes -> 'locations') = 'array'
                     then array(select jsonb_array_elements_text(changes -> 'locations')) end,
    products = case when not changes ? 'products' then e.products
                    when jsonb_typeof(changes -> 'products') = 'array'
                    then array(select jsonb_array_elements_text(changes -> 'products')) end,
    description = coalesce(changes ->> 'description', e.description),
    secret = coalesce(changes ->> 'secret', e.secret),
    enabled = coalesce(v_enable, e.enabled),
    failing_since = case when v_enable and not e.enabled then null else e.failing_since end,
    disabled_reason = case when v_enable then null
                           when v_enable = false then 'disabled by an admin'
                           else e.disabled_reason end,
    updated_at = now()
  where e.id = endpoint_id
  returning * into v_endpoint;
  if not found then
    return null;
  end if;
  return to_jsonb(v_endpoint) - 'secret';
end;
$$;

revoke execute on function public.update_webhook(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.update_webhook(uuid, jsonb) to service_role;

-- Removes an endpoint with its queued deliveries and their log. Output: the endpoint as it was,
-- without its secret, or null when there is none with this id.
create function public.delete_webhook(endpoint_id uuid)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  delete from public.webhook_endpoints e where e.id = endpoint_id
  returning * into v_endpoint;
  if not found then
    return null;
  end if;
  return to_jsonb(v_endpoint) - 'secret';
end;
$$;

revoke execute on function public.delete_webhook(uuid) from public, anon, authenticated;
grant execute on function public.delete_webhook(uuid) to service_role;

-- Queues a `webhook.test` delivery for one endpoint, whatever events it takes. Output: the
-- delivery, or null when there is no such endpoint.
create function public.send_test_webhook(endpoint_id uuid)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
  v_message text := 'test_' || replace(gen_random_uuid()::text, '-', '');
begin
  insert into public.webhook_deliveries (endpoint_id, message_id, event_type, payload)
  select e.id, v_message, 'webhook.test',
         jsonb_build_object('type', 'webhook.test', 'timestamp', now(),
                            'data', jsonb_build_object('endpoint_id', e.id))
    from public.webhook_endpoints e
   where e.id = send_test_webhook.endpoint_id
  returning * into v_delivery;
  if not found then
    return null;
  end if;
  return to_jsonb(v_delivery);
end;
$$;

revoke execute on function public.send_test_webhook(uuid) from public, anon, authenticated;
grant execute on function public.send_test_webhook(uuid) to service_role;

-- Makes a delivery due now: a failed or delivered one is queued again (its later attempts are
-- logged after the earlier ones). Output: the delivery, or null when the endpoint has none with
-- this id.
create function public.retry_webhook_delivery(endpoint_id uuid, delivery_id bigint)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
begin
  update public.webhook_deliveries d set
    status = 'pending',
    next_attempt_at = now(),
    finished_at = null
  where d.id = delivery_id and d.endpoint_id = retry_webhook_delivery.endpoint_id
  returning * into v_delivery;
  if not found then
    return null;
  end if;
  return to_jsonb(v_delivery);
end;
$$;

revoke execute on function public.retry_webhook_delivery(uuid, bigint) from public, anon, authenticated;
grant execute on function public.retry_webhook_delivery(uuid, bigint) to service_role;

-- Claims up to max_rows due deliveries for `worker`, each under a lease of lease_seconds, and opens
-- an attempt for each. A delivery is due when it is pending, its next attempt time has come, no
-- lease on it runs, and no earlier delivery of the same endpoint and product is still pending: so
-- one attempt at a time cluster-wide, in order per endpoint and product. SKIP LOCKED lets workers
-- in every store claim at once without waiting on each other. An attempt whose lease ran out (its
-- worker died or hung) is closed as `lease_expired`.
-- Output: {deliveries: [{delivery_id, attempt_id, endpoint_id, url, secret, message_id,
-- event_type, product_id, body, attempts, created_at}], queued, oldest_at}.
create function public.claim_webhook_deliveries(worker text, max_rows integer, lease_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  v_claimed jsonb;
  v_queued bigint;
  v_oldest timestamptz;
begin
  with due as (
    select d.id
      from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id
     where d.status = 'pending'
       and d.next_attempt_at <= now()
       and (d.claimed_until is null or d.claimed_until <= now())
       and e.enabled
       and not exists (
         select 1 from public.webhook_deliveries p
          where p.endpoint_id = d.endpoint_id
            and coalesce(p.product_id, '') = coalesce(d.product_id, '')
            and p.status = 'pending'
            and p.id < d.id)
     order by d.next_attempt_at, d.id
     limit max_rows
     for update of d skip locked
  ), expired as (
    update public.webhook_attempts a set outcome = 'lease_expired', finished_at = now()
      from due
     where a.delivery_id = due.id and a.outcome = 'in_flight'
  ), claimed as (
    update public.webhook_deliveries d set
      claimed_by = worker,
      claimed_until = now() + make_interval(secs => lease_seconds),
      attempts = d.attempts + 1
      from due
     where d.id = due.id
    returning d.*
  ), opened as (
    insert into public.webhook_attempts (delivery_id, worker)
    select c.id, worker from claimed c
    returning id, delivery_id
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'delivery_id', c.id,
           'attempt_id', o.id,
           'endpoint_id', c.endpoint_id,
           'url', e.url,
           'secret', e.secret,
           'message_id', c.message_id,
           'event_type', c.event_type,
           'product_id', c.product_id,
           'body', c.payload::text,
           'attempts', c.attempts,
           'created_at', c.created_at) order by c.id), '[]'::jsonb)
    into v_claimed
    from claimed c
    join opened o on o.delivery_id = c.id
    join public.webhook_endpoints e on e.id = c.endpoint_id;

  select count(*), min(d.created_at) into v_queued, v_oldest
    from public.webhook_deliveries d
   where d.status = 'pending';

  return jsonb_build_object('deliveries', v_claimed, 'queued', v_queued, 'oldest_at', v_oldest);
end;
$$;

revoke execute on function public.claim_webhook_deliveries(text, integer, integer) from public, anon, authenticated;
grant execute on function public.claim_webhook_deliveries(text, integer, integer) to service_role;

-- Records what receivers answered: results is [{attempt_id, delivery_id, outcome ('delivered',
-- 'retry', 'failed'), status_code, duration_ms, error, response, retry_in_ms}] from `worker`. The
-- attempt is closed whoever holds the delivery now; the delivery follows only while this worker's
-- claim on it stands (a worker that outlived its lease does not overrule the one that took over).
-- An endpoint that has failed without a success for disable_after_seconds is disabled, and an
-- alert says so. Output: [{delivery_id, status, endpoint_disabled}].
create function public.finish_webhook_attempts(worker text, results jsonb, disable_after_seconds integer)
returns jsonb
language plpgsql
security definer set search_path = ''
as $$
declare
  r record;
  v_out jsonb := '[]'::jsonb;
  v_delivery public.webhook_deliveries;
  v_endpoint public.webhook_endpoints;
  v_disabled boolean;
begin
  for r in
    select * from jsonb_to_recordset(results) as x(
      attempt_id bigint, delivery_id bigint, outcome text, status_code integer,
      duration_ms integer, error text, response text, retry_in_ms bigint)
  loop
    update public.webhook_attempts a set
      outcome = case when a.outcome = 'in_flight' then r.outcome else a.outcome end,
      status_code = r.status_code,
      duration_ms = r.duration_ms,
      error = r.error,
      response = r.response,
      finished_at = now()
    where a.id = r.attempt_id;

    update public.webhook_deliveries d set
      status = case r.outcome when 'delivered' then 'delivered' when 'failed' then 'failed' else 'pending' end,
      next_attempt_at = case when r.outcome = 'retry'
                             then now() + make_interval(secs => coalesce(r.retry_in_ms, 0) / 1000.0)
                             else d.next_attempt_at end,
      finished_at = case when r.outcome = 'retry' then null else now() end,
      claimed_by = null,
      claimed_until = null,
      last_status_code = r.status_code,
      last_error = r.error
    where d.id = r.delivery_id and d.claimed_by = worker and d.status = 'pending'
    returning * into v_delivery;
    if not found then
      continue;
    end if;

    v_disabled := false;
    if r.outcome = 'delivered' then
      update public.webhook_endpoints e set failing_since = null
       where e.id = v_delivery.endpoint_id and e.failing_since is not null;
    else
      update public.webhook_endpoints e set failing_since = coalesce(e.failing_since, now())
       where e.id = v_delivery.endpoint_id
      returning * into v_endpoint;
      if found and v_endpoint.enabled
         and v_endpoint.failing_since <= now() - make_interval(secs => disable_after_seconds) then
        update public.webhook_endpoints e set
          enabled = false,
          disabled_reason = 'failing since ' || v_endpoint.failing_since,
          updated_at = now()
        where e.id = v_endpoint.id;
        insert into public.webhook_alerts (endpoint_id, kind, message)
        values (v_endpoint.id, 'endpoint_disabled',
                'Disabled: every delivery to ' || v_endpoint.url || ' has failed since '
                || v_endpoint.failing_since);
        v_disabled := true;
      end if;
    end if;
    v_out := v_out || jsonb_build_array(jsonb_build_object(
      'delivery_id', v_delivery.id, 'status', v_delivery.status, 'endpoint_disabled', v_disabled));
  end loop;
  return v_out;
end;
$$;

revoke execute on function public.finish_webhook_attempts(text, jsonb, integer) from public, anon, authenticated;
grant execute on function public.finish_webhook_attempts(text, jsonb, integer) to service_role;

-- Every ledger row, whatever wrote it: see functions/stockwire_private.webhook_stock_changed.sql.
create trigger inventory_events_webhook
  after insert on public.inventory_events
  for each row
  execute function stockwire_private.webhook_stock_changed();

-- Every recorded low-stock crossing: see functions/stockwire_private.webhook_stock_alert.sql.
create trigger stock_alerts_webhook
  after insert on public.stock_alerts
  for each row
  execute function stockwire_private.webhook_stock_alert();

-- Every new product: see functions/stockwire_private.webhook_product_created.sql.
create trigger products_webhook
  after insert on public.products
  for each row
  execute function stockwire_private.webhook_product_created();

-- Every placed order: see functions/stockwire_private.webhook_order_placed.sql.
create trigger orders_webhook
  after insert on public.orders
  for each row
  execute function stockwire_private.webhook_order_placed();

-- Every hold that ran out: see functions/stockwire_private.webhook_reservation_expired.sql.
create trigger reservations_webhook
  after update of status on public.reservations
  for each row
  when (new.status = 'expired' and old.status is distinct from 'expired')
  execute function stockwire_private.webhook_reservation_expired();
