-- `transfer.created` when a transfer is made, `transfer.received` at each receipt, and
-- `transfer.cancelled` when it is cancelled, each with the transfer as the API shows it. The
-- stock rows' own events (`stock.changed`) follow the ledger rows of each step.
create function stockwire_private.webhook_transfer()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
declare
  v_type text;
  v_message text;
begin
  if tg_op = 'INSERT' then
    v_type := 'transfer.created';
    v_message := 'transfer_' || new.id || '_created';
  elsif new.status = 'cancelled' and old.status <> 'cancelled' then
    v_type := 'transfer.cancelled';
    v_message := 'transfer_' || new.id || '_cancelled';
  elsif new.receipts > old.receipts then
    v_type := 'transfer.received';
    v_message := 'transfer_' || new.id || '_received_' || new.receipts;
  else
    return null;
  end if;
  if stockwire_private.wants_webhook(v_type) then
    -- A new transfer's lines are written after its row: the deferred trigger sees them.
    perform stockwire_private.enqueue_webhook(
      v_type, v_message, null, null,
      stockwire_private.transfer_json(new.id) - 'seq');
  end if;
  return null;
end;
$$;

revoke execute on function stockwire_private.webhook_transfer() from public, anon, authenticated, service_role;
