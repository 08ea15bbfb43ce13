-- The outbox's depth and the age of its oldest pending event, for the metrics. Read on its own
-- schedule rather than with every claim: counting a deep backlog costs in proportion to it.
-- Output: {queued, oldest_at}.
create function public.webhook_queue_stats()
returns jsonb
language sql
stable
security definer set search_path = ''
as $$
  select jsonb_build_object('queued', count(*), 'oldest_at', min(d.created_at))
    from public.webhook_deliveries d
   where d.status = 'pending';
$$;

revoke execute on function public.webhook_queue_stats() from public, anon, authenticated;
grant execute on function public.webhook_queue_stats() to service_role;
