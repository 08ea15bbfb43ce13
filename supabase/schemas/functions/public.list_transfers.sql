-- Transfers, newest first: {transfers: [transfer]}, at most `limit`, narrowed by `transfer_id`,
-- `status`, `location` (either end), `from`, `to`, and `before` (an exclusive bound on `seq`).
create function public.list_transfers(p_query jsonb)
returns jsonb
language sql
stable
security definer set search_path = ''
as $$
  select jsonb_build_object('transfers', coalesce(jsonb_agg(stockwire_private.transfer_json(t.id) order by t.seq desc), '[]'::jsonb))
    from (select t.id, t.seq
            from public.transfers t
           where (p_query ->> 'transfer_id' is null or t.id = p_query ->> 'transfer_id')
             and (p_query ->> 'status' is null or t.status = p_query ->> 'status')
             and (p_query ->> 'location' is null
                  or t.from_location = p_query ->> 'location' or t.to_location = p_query ->> 'location')
             and (p_query ->> 'from' is null or t.from_location = p_query ->> 'from')
             and (p_query ->> 'to' is null or t.to_location = p_query ->> 'to')
             and (p_query ->> 'before' is null or t.seq < (p_query ->> 'before')::bigint)
           order by t.seq desc
           limit coalesce((p_query ->> 'limit')::integer, 50)) t
$$;

revoke execute on function public.list_transfers(jsonb) from public, anon, authenticated;
grant execute on function public.list_transfers(jsonb) to service_role;
