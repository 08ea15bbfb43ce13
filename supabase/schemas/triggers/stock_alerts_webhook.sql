-- Every recorded low-stock crossing: see functions/stockwire_private.webhook_stock_alert.sql.
create trigger stock_alerts_webhook
  after insert on public.stock_alerts
  for each row
  execute function stockwire_private.webhook_stock_alert();
