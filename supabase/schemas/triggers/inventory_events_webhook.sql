-- Every ledger row, whatever wrote it: see functions/stockwire_private.webhook_stock_changed.sql.
create trigger inventory_events_webhook
  after insert on public.inventory_events
  for each row
  execute function stockwire_private.webhook_stock_changed();
