-- Every new product: see functions/stockwire_private.webhook_product_created.sql.
create trigger products_webhook
  after insert on public.products
  for each row
  execute function stockwire_private.webhook_product_created();
