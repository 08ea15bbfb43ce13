-- A transfer as the API shows it: its ends, its status and its lines, each with what is still in
-- transit. `seq` orders transfers by creation and pages GET /transfers. Null for no such transfer.
create function stockwire_private.transfer_json(p_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
           'transfer_id', t.id,
           'seq', t.seq,
           'from', t.from_location,
           'to', t.to_location,
           'status', t.status,
           'receipts', t.receipts,
           'store', t.store,
           'actor', t.actor,
           'created_at', t.created_at,
           'updated_at', t.updated_at,
           'lines', (select coalesce(jsonb_agg(jsonb_build_object(
                              'product_id', x.product_id,
                              'quantity', x.quantity,
                              'received', x.received,
                              'cancelled', x.cancelled,
                              'in_transit', x.quantity - x.received - x.cancelled) order by x.line),
                            '[]'::jsonb)
                       from public.transfer_lines x
                      where x.transfer_id = t.id))
    from public.transfers t
   where t.id = p_id
$$;

revoke execute on function stockwire_private.transfer_json(text) from public, anon, authenticated, service_role;
