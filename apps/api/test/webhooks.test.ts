import type { WebhookDelivery, WebhookEndpoint } from '@stockwire/domain';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { ledger } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { startReceiver, type Receiver, type Received } from './support/receiver.js';
import { useStores } from './support/stores.js';

type Created = WebhookEndpoint & { secret: string };

const stores = useStores(['hook-a', 'hook-b', 'hook-c'], {
  // Short enough that a slow receiver times out, and retries come within a test's time.
  webhooks: { deliver: true, timeoutMs: 500, retryBaseMs: 100, retryMaxMs: 800 },
});

/** Endpoints made by a test, removed after the file so no store keeps trying them. */
const made: string[] = [];
const receivers: Receiver[] = [];
afterAll(async () => {
  const [a] = stores();
  for (const id of made) await api(a.url, 'DELETE', `/webhooks/${id}`);
  await Promise.all(receivers.map((r) => r.stop()));
});

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function endpoint(
  url: string,
  product: string,
  events = ['stock.changed'],
): Promise<Created> {
  const res = await api<Created>(stores()[0].url, 'POST', '/webhooks', {
    url,
    events,
    products: [product],
    description: 'test receiver',
  });
  expect(res.status).toBe(201);
  made.push(res.body.id);
  return res.body;
}

const sell = async (url: string, product: string, warehouse: string) => {
  const res = await api(url, 'POST', `/inventory/${product}/update`, {
    change: -1,
    update_type: 'sale',
    warehouse,
  });
  expect(res.status).toBe(200);
};

const deliveries = async (id: string) =>
  (
    await api<{ deliveries: WebhookDelivery[] }>(
      stores()[0].url,
      'GET',
      `/webhooks/${id}/deliveries`,
      undefined,
      bearer(KEYS.admin),
    )
  ).body.deliveries;

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as {
    type: string;
    data: Record<string, unknown>;
  };

describe('webhook delivery to a real receiver', () => {
  it('delivers a sale at each of three stores once each, signed as Standard Webhooks verify', async () => {
    const [a, b, c] = stores();
    const product = await createProduct([a, b, c], { 'hook-a': 5, 'hook-b': 5, 'hook-c': 5 });
    const r = await receiver();
    const hook = await endpoint(r.url, product);
    await Promise.all([
      sell(a.url, product, 'hook-a'),
      sell(b.url, product, 'hook-b'),
      sell(c.url, product, 'hook-c'),
    ]);

    await eventually(() => r.received.length >= 3);
    const messages = r.received.map((got) => verify(hook.secret, got));
    expect(messages.map((m) => m.type)).toEqual([
      'stock.changed',
      'stock.changed',
      'stock.changed',
    ]);
    expect(messages.map((m) => m.data.warehouse).sort()).toEqual(['hook-a', 'hook-b', 'hook-c']);
    for (const m of messages) {
      expect(m.data).toMatchObject({
        product_id: product,
        quantity: 4,
        change: -1,
        update_type: 'sale',
      });
      expect(m.data.store).toBe(m.data.warehouse);
    }
    expect(new Set(r.received.map((got) => got.headers['webhook-id'])).size).toBe(3);
    // Signed with another secret, the same message does not verify.
    expect(() =>
      verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, r.received[0]!),
    ).toThrow();

    // The receiver answers before the worker records it.
    await eventually(async () =>
      (await deliveries(hook.id)).every((d) => d.status === 'delivered'),
    );
    const log = await deliveries(hook.id);
    expect(log.map((d) => [d.status, d.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ]);
    expect(r.received).toHaveLength(3);
  });

  it('delivers each step of a transfer once: created, received, cancelled', async () => {
    const [a, b] = stores();
    const product = await createProduct([a, b], { 'hook-a': 20 });
    const r = await receiver();
    const hook = await endpoint(r.url, product, [
      'transfer.created',
      'transfer.received',
      'transfer.cancelled',
    ]);
    const transfer_id = `hook-${product}`;
    const sent = await api(a.url, 'POST', '/transfers', {
      transfer_id,
      from: 'hook-a',
      to: 'hook-b',
      lines: [{ product_id: product, quantity: 8 }],
    });
    expect(sent.status).toBe(201);
    const path = `/transfers/${transfer_id}`;
    const receipt = { lines: [{ product_id: product, quantity: 3 }] };
    expect((await api(b.url, 'POST', `${path}/receive`, receipt)).status).toBe(200);
    expect((await api(b.url, 'POST', `${path}/cancel`)).status).toBe(200);

    await eventually(() => r.received.length >= 3);
    const messages = r.received.map((got) => verify(hook.secret, got));
    expect(messages.map((m) => [m.type, m.data.status])).toEqual([
      ['transfer.created', 'in_transit'],
      ['transfer.received', 'partially_received'],
      ['transfer.cancelled', 'cancelled'],
    ]);
    expect(messages[0]!.data).toMatchObject({
      transfer_id,
      from: 'hook-a',
      to: 'hook-b',
      lines: [{ product_id: product, quantity: 8, received: 0, in_transit: 8 }],
    });
    expect(messages[2]!.data).toMatchObject({
      lines: [{ quantity: 8, received: 3, cancelled: 5, in_transit: 0 }],
    });
    await eventually(async () => (await deliveries(hook.id)).length === 3);
    expect(r.received).toHaveLength(3);
  });

  it("delivers one product's events in ledger order, whichever stores sold", async () => {
    const [a, b, c] = stores();
    const product = await createProduct([a, b, c], { 'hook-a': 50 });
    const r = await receiver(() => ({ status: 200, delayMs: 5 }));
    await endpoint(r.url, product);
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => sell([a, b, c][i % 3]!.url, product, 'hook-a')),
    );
    await eventually(() => r.received.length >= 15, 10_000);
    const seen = r.messages().map((m) => m.data.event_id);
    const sales = (await ledger(product)).filter((e) => e.update_type === 'sale').map((e) => e.id);
    expect(seen).toEqual(sales);
  });

  it("holds back the rest of a product's queued events while one of them is retried, and sends none of them twice", async () => {
    const [a, b, c] = stores();
    const product = await createProduct([a, b, c], { 'hook-a': 50 });
    const second = new Set<string>();
    const r = await receiver((got, earlier) => {
      const id = String(got.headers['webhook-id']);
      // The first event is answered slowly, so the next ones queue up behind it and are claimed
      // together; the first of those fails once.
      if (r.received.length === 1) return { status: 204, delayMs: 300 };
      if (second.size === 0 && r.received.length === 2) second.add(id);
      return second.has(id) && earlier === 0 ? { status: 500 } : { status: 204 };
    });
    const hook = await endpoint(r.url, product);
    await sell(a.url, product, 'hook-a');
    await eventually(() => r.received.length === 1);
    for (const s of [b, c, a, b]) await sell(s.url, product, 'hook-a');

    await eventually(
      async () => (await deliveries(hook.id)).every((d) => d.status === 'delivered'),
      10_000,
    );
    const sales = (await ledger(product)).filter((e) => e.update_type === 'sale').map((e) => e.id);
    expect(sales).toHaveLength(5);
    // The retried event again before any later one: [e1, e2 (500), e2, e3, e4, e5].
    expect(r.messages().map((m) => m.data.event_id)).toEqual([
      sales[0],
      ...sales.slice(1, 2),
      ...sales.slice(1),
    ]);
    const log = (await deliveries(hook.id)).reverse();
    // Those held back were let go unsent: no attempt recorded for them but the one that delivered.
    expect(log.map((d) => d.attempt_log.map((t) => t.outcome))).toEqual([
      ['delivered'],
      ['retry', 'delivered'],
      ['delivered'],
      ['delivered'],
      ['delivered'],
    ]);
    expect(log.map((d) => d.attempts)).toEqual([1, 2, 1, 1, 1]);
  });

  it('redelivers after a 500, with backoff, and records the failure and the one success', async () => {
    const [a, b, c] = stores();
    const product = await createProduct([a, b, c], { 'hook-a': 5 });
    const r = await receiver((_, earlier) =>
      earlier === 0 ? { status: 500, body: 'try later' } : { status: 200, body: 'ok' },
    );
    const hook = await endpoint(r.url, product);
    await sell(b.url, product, 'hook-a');

    await eventually(async () => (await deliveries(hook.id))[0]?.status === 'delivered');
    const [delivery] = await deliveries(hook.id);
    expect(delivery!.attempt_log.map((t) => [t.outcome, t.status_code, t.response])).toEqual([
      ['retry', 500, 'try later'],
      ['delivered', 200, 'ok'],
    ]);
    expect(r.received).toHaveLength(2);
    expect(r.received[1]!.headers['webhook-id']).toBe(r.received[0]!.headers['webhook-id']);
    // The first retry waits at least half the base backoff (100 ms, jittered over its upper half).
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThanOrEqual(50);
  });

  it('retries an attempt the receiver answers too slowly', async () => {
    const [a, b, c] = stores();
    const product = await createProduct([a, b, c], { 'hook-a': 5 });
    const r = await receiver((_, earlier) => ({ status: 204, delayMs: earlier === 0 ? 1500 : 0 }));
    const hook = await endpoint(r.url, product);
    await sell(c.url, product, 'hook-a');

    await eventually(async () => (await deliveries(hook.id))[0]?.status === 'delivered', 10_000);
    const [delivery] = await deliveries(hook.id);
    const log = delivery!.attempt_log;
    expect(log.map((t) => t.outcome)).toEqual(['retry', 'delivered']);
    expect(log[0]!.error).toMatch(/timed out after 500 ms/);
    expect(log[0]!.status_code).toBeNull();
  });

  it('delivers everything, in order, once a receiver that was down is back', async () => {
    const [a, b, c] = stores();
    const product = await createProduct([a, b, c], { 'hook-a': 20 });
    const r = await receiver();
    const hook = await endpoint(r.url, product);
    await r.stop();
    for (const s of [a, b, c, a, b]) await sell(s.url, product, 'hook-a');
    // Several attempts fail while it is down.
    await eventually(async () => (await deliveries(hook.id)).some((d) => d.attempts >= 3), 10_000);
    expect(r.received).toHaveLength(0);

    await r.start();
    await eventually(
      async () => (await deliveries(hook.id)).every((d) => d.status === 'delivered'),
      10_000,
    );
    const sales = (await ledger(product)).filter((e) => e.update_type === 'sale').map((e) => e.id);
    expect(r.messages().map((m) => m.data.event_id)).toEqual(sales);
    const first = (await deliveries(hook.id)).at(-1)!;
    expect(first.attempt_log.at(0)?.error).toMatch(/ECONNREFUSED/);
    expect(first.attempt_log.at(-1)?.outcome).toBe('delivered');
  });
});

describe('the webhooks API', () => {
  it('shows the secret once, lists endpoints without it, and changes what PATCH names', async () => {
    const [a] = stores();
    const r = await receiver();
    const hook = await endpoint(r.url, 'NOSUCHPRODUCT', ['stock.low']);
    expect(hook.secret).toMatch(/^whsec_/);
    const got = await api<WebhookEndpoint>(
      a.url,
      'GET',
      `/webhooks/${hook.id}`,
      undefined,
      bearer(KEYS.admin),
    );
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    const list = await api<WebhookEndpoint[]>(
      a.url,
      'GET',
      '/webhooks',
      undefined,
      bearer(KEYS.admin),
    );
    expect(list.body.find((e) => e.id === hook.id)).toMatchObject({ url: r.url, enabled: true });
    expect(JSON.stringify(list.body)).not.toContain(hook.secret);

    const patched = await api<WebhookEndpoint>(a.url, 'PATCH', `/webhooks/${hook.id}`, {
      events: ['stock.low', 'stock.back_in_stock'],
      enabled: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events: ['stock.low', 'stock.back_in_stock'],
      enabled: false,
    });
    expect(patched.body.url).toBe(r.url);
  });

  it('signs with the new secret after a rotation, and sends a test message on demand', async () => {
    const [a] = stores();
    const r = await receiver();
    const hook = await endpoint(r.url, 'NOSUCHPRODUCT');
    const rotated = await api<Created>(a.url, 'POST', `/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    const test = await api<{ delivery_id: number }>(a.url, 'POST', `/webhooks/${hook.id}/test`);
    expect(test.status).toBe(202);
    await eventually(async () => (await deliveries(hook.id))[0]?.status === 'delivered');
    expect(r.received).toHaveLength(1);
    expect(verify(rotated.body.secret, r.received[0]!)).toMatchObject({
      type: 'webhook.test',
      data: { endpoint_id: hook.id },
    });
    expect(() => verify(hook.secret, r.received[0]!)).toThrow();

    const retried = await api(
      a.url,
      'POST',
      `/webhooks/${hook.id}/deliveries/${test.body.delivery_id}/retry`,
    );
    expect(retried.status).toBe(202);
    await eventually(() => r.received.length === 2);
    expect(r.received[1]!.headers['webhook-id']).toBe(r.received[0]!.headers['webhook-id']);
  });

  it('answers bad input with 400 naming the field, unknown ids with 404, staff with 403', async () => {
    const [a] = stores();
    const bad = await api<{ error: { code: string; fields: Record<string, string[]> } }>(
      a.url,
      'POST',
      '/webhooks',
      {
        url: 'http://127.0.0.1:9/x',
        events: ['stock.teleported'],
      },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['events.0']);
    const noUrl = await api<{ error: { fields: Record<string, string[]> } }>(
      a.url,
      'POST',
      '/webhooks',
      { events: ['stock.low'] },
    );
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error.fields).toHaveProperty('url');
    const emptyPatch = await api(
      a.url,
      'PATCH',
      '/webhooks/3f1c9a0e-6b7d-4c2a-9e51-2d8f0b7a6c14',
      {},
    );
    expect(emptyPatch.status).toBe(400);

    const missing = '3f1c9a0e-6b7d-4c2a-9e51-2d8f0b7a6c14';
    for (const [method, path] of [
      ['GET', `/webhooks/${missing}`],
      ['DELETE', `/webhooks/${missing}`],
      ['POST', `/webhooks/${missing}/test`],
      ['POST', `/webhooks/${missing}/rotate-secret`],
      ['GET', `/webhooks/${missing}/deliveries`],
      ['POST', `/webhooks/${missing}/deliveries/1/retry`],
    ] as const) {
      const res = await api<{ error: { code: string } }>(
        a.url,
        method,
        path,
        undefined,
        bearer(KEYS.admin),
      );
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'webhook_not_found']);
    }
    const notId = await api(a.url, 'GET', '/webhooks/not-a-uuid', undefined, bearer(KEYS.admin));
    expect(notId.status).toBe(400);
    const staff = await api(a.url, 'GET', '/webhooks', undefined, bearer(KEYS.staff));
    expect(staff.status).toBe(403);
  });
});

describe('where webhooks may point, without WEBHOOKS_ALLOW_PRIVATE', () => {
  const strict = useStores(['hook-strict'], { webhooks: { allowPrivate: false, deliver: false } });

  it('refuses private, loopback and link-local addresses, names that resolve to them, and other schemes, with 422 naming url', async () => {
    const [s] = strict();
    for (const url of [
      'http://10.0.0.7/hooks',
      'http://192.168.1.20/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hooks',
      'http://localhost:8080/hooks',
      'file:///etc/passwd',
      'ftp://example.com/hooks',
    ]) {
      const res = await api<{ error: { code: string; fields: Record<string, string[]> } }>(
        s.url,
        'POST',
        '/webhooks',
        {
          url,
          events: ['stock.changed'],
        },
      );
      expect([url, res.status, res.body.error.code]).toEqual([url, 422, 'url_not_allowed']);
      expect(Object.keys(res.body.error.fields)).toEqual(['url']);
    }
    const list = await api<WebhookEndpoint[]>(
      s.url,
      'GET',
      '/webhooks',
      undefined,
      bearer(KEYS.admin),
    );
    expect(list.body.some((e) => e.url.includes('169.254.169.254'))).toBe(false);
  });
});
