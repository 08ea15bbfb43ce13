import type { WebhookDelivery, WebhookEndpoint } from '@stockwire/domain';
import { StoreProcess } from '@stockwire/fault-drill';
import { freePort } from '@stockwire/local-stack';
import { afterAll, describe, expect, it } from 'vitest';
import { ledger } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { startReceiver } from './support/receiver.js';
import { stack } from './support/stack.js';
import { ensureLocations } from './support/stores.js';

// Stores as processes of their own, so that one can be killed outright while it delivers.
const STORES = ['hook-kill-a', 'hook-kill-b'];
/** A 2 s attempt timeout gives the stores a lease of 2 × 2 + 5 = 9 s. */
const TIMEOUT_MS = 2000;
const LEASE_MS = 9000;

const started: StoreProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function storeProcess(name: string): Promise<StoreProcess> {
  const { supabaseUrl, serviceRoleKey, redisUrl } = stack();
  const store = new StoreProcess({
    name,
    port: await freePort(),
    env: {
      SUPABASE_URL: supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      REDIS_URL: redisUrl,
      INSTANCE_ID: name,
      API_KEYS: `test-admin:admin:${KEYS.admin}`,
      ORDER_STREAMS: 'false',
      WEBHOOKS_DELIVER: 'true',
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      WEBHOOKS_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOKS_POLL_MS: '50',
      LOG_LEVEL: 'warn',
    },
  });
  started.push(store);
  await store.start();
  return store;
}

describe('a store killed while it delivers a webhook', () => {
  it('loses nothing: once its lease runs out another store delivers, and the log shows the duplicate attempt', async () => {
    await ensureLocations(STORES);
    const a = await storeProcess(STORES[0]!);
    const product = await createProduct([a], { [STORES[0]!]: 10 });
    // Holds the first request open, as a receiver busy with it would, and takes the rest at once.
    const r = await startReceiver((_, earlier) =>
      earlier === 0 && r.received.length === 1 ? { status: 204, delayMs: 60_000 } : { status: 204 },
    );
    try {
      const created = await api<WebhookEndpoint>(a.url, 'POST', '/webhooks', {
        url: r.url,
        events: ['stock.changed'],
        products: [product],
      });
      expect(created.status).toBe(201);
      const hook = created.body.id;
      for (let i = 0; i < 3; i++) {
        const sold = await api(a.url, 'POST', `/inventory/${product}/update`, {
          change: -1,
          update_type: 'sale',
          warehouse: STORES[0],
        });
        expect(sold.status).toBe(200);
      }
      const log = async (base: string) =>
        (
          await api<{ deliveries: WebhookDelivery[] }>(
            base,
            'GET',
            `/webhooks/${hook}/deliveries`,
            undefined,
            bearer(KEYS.admin),
          )
        ).body.deliveries.reverse();

      // The first event is with the receiver, its attempt open in the log: kill the store now.
      await eventually(() => r.received.length === 1);
      const held = (await log(a.url))[0]!;
      expect(held.attempt_log.map((t) => [t.worker, t.outcome])).toEqual([
        [STORES[0], 'in_flight'],
      ]);
      a.signal('SIGKILL');
      expect(await a.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });

      const b = await storeProcess(STORES[1]!);
      await eventually(
        async () => (await log(b.url)).every((d) => d.status === 'delivered'),
        LEASE_MS + 15_000,
      );

      const sales = (await ledger(product)).filter((e) => e.update_type === 'sale');
      expect(sales).toHaveLength(3);
      const events = r.messages().map((m) => m.data.event_id);
      // Every event at least once, in ledger order; the one in flight when the store died twice.
      expect(events).toEqual([sales[0]!.id, ...sales.map((e) => e.id)]);
      const [first, ...rest] = await log(b.url);
      expect(first!.message_id).toBe(r.received[0]!.headers['webhook-id']);
      expect(r.received[1]!.headers['webhook-id']).toBe(first!.message_id);
      expect(first!.attempt_log.map((t) => [t.worker, t.outcome])).toEqual([
        [STORES[0], 'lease_expired'],
        [STORES[1], 'delivered'],
      ]);
      expect(first!.attempts).toBe(2);
      // Not taken over before the dead store's lease ran out.
      const [dead, taken] = first!.attempt_log;
      expect(Date.parse(taken!.started_at) - Date.parse(dead!.started_at)).toBeGreaterThanOrEqual(
        LEASE_MS - 100,
      );
      // The store that took over delivered the rest, in order, each once.
      for (const d of rest)
        expect(d.attempt_log.filter((t) => t.outcome === 'delivered').map((t) => t.worker)).toEqual(
          [STORES[1]],
        );
    } finally {
      await r.stop();
    }
  }, 90_000);
});
