-- Every step of a transfer: see functions/stockwire_private.webhook_transfer.sql. Deferred to the
-- end of the transaction, so that a new transfer's event carries the lines written after its row.
create constraint trigger transfers_webhook
  after insert or update on public.transfers
  deferrable initially deferred
  for each row
  execute function stockwire_private.webhook_transfer();
