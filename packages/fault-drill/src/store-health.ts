/** The parts of a store's `GET /health` the drills look at. */
export interface StoreHealth {
  status: string;
  redis: string;
  database: string;
  stale: boolean;
  resyncs: number;
  sync: { refetches: number; repairs: number; waiting: number };
  pubsub: { received: number; invalid: number; last_lag_ms: number | null };
  digest: { checks: number; audits: number; last_result: string | null };
  outbox: { queued: number; failed_publishes: number; republished: number };
  external_writes: 'listen' | 'digest';
  listener: { notifications: number; relayed: number; failures: number; reconnects: number };
  requests_in_flight: number;
}

/** A store's `GET /health`, read now. */
export async function health(store: { url: string }): Promise<StoreHealth> {
  const res = await fetch(`${store.url}/health`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as StoreHealth;
}
