-- Every ledger row, whatever wrote it, once per statement with the rows it inserted: see
-- functions/stockwire_private.webhook_stock_changed.sql.
create trigger inventory_events_webhook
  after insert on public.inventory_events
  referencing new table as new_rows
  for each statement
  execute function stockwire_private.webhook_stock_changed();
