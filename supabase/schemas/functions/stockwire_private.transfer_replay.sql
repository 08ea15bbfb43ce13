-- The answer to a create_transfer whose id was made before: the transfer, as a duplicate, when it
-- was made with the same from, to and lines (in order); `transfer_exists` when with others; null
-- when there is no such transfer yet.
create function stockwire_private.transfer_replay(p_id text, p_from text, p_to text, p_lines jsonb)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select case when same
              then jsonb_build_object('ok', true, 'duplicate', true)
              else jsonb_build_object('ok', false, 'code', 'transfer_exists')
         end
         || jsonb_build_object('transfer', stockwire_private.transfer_json(p_id),
                               'changes', '[]'::jsonb, 'expired', '[]'::jsonb)
    from (select t.from_location = p_from and t.to_location = p_to
                 and (select jsonb_agg(jsonb_build_object('product_id', x.product_id,
                                                          'quantity', x.quantity) order by x.line)
                        from public.transfer_lines x
                       where x.transfer_id = t.id) = p_lines as same
            from public.transfers t
           where t.id = p_id) existing
$$;

revoke execute on function stockwire_private.transfer_replay(text, text, text, jsonb) from public, anon, authenticated, service_role;
