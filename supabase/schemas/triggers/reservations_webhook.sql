-- Every hold that ran out: see functions/stockwire_private.webhook_reservation_expired.sql.
create trigger reservations_webhook
  after update of status on public.reservations
  for each row
  when (new.status = 'expired' and old.status is distinct from 'expired')
  execute function stockwire_private.webhook_reservation_expired();
