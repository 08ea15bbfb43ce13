-- Every placed order: see functions/stockwire_private.webhook_order_placed.sql.
create trigger orders_webhook
  after insert on public.orders
  for each row
  execute function stockwire_private.webhook_order_placed();
