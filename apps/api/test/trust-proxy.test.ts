import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import type { TrustProxy } from '../src/http/client-address.js';
import { createLogger } from '../src/telemetry/logger.js';
import { bearer, KEYS, loopbackAddress, restockFrom } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores, useStores } from './support/stores.js';

/** Addresses a load balancer would name in `X-Forwarded-For` (documentation ranges: never contacted). */
const client = () => `198.51.100.${randomInt(1, 255)}`;

const others = useStores(['main-store']);

/** A store that trusts `trustProxy`, allows two writes a minute per client address, and logs its request lines into `lines`. */
async function storeTrusting(trustProxy: TrustProxy) {
  const lines: Array<{ req?: { url: string; remote_address?: string } }> = [];
  const [store] = await startStores(
    ['east-store'],
    {
      http: { trustProxy },
      access: { rateLimits: { windowMs: 60_000, perCredential: 0, perIp: 2 } },
    },
    (config) =>
      createLogger({
        store: config.store.name,
        instanceId: config.store.instanceId,
        destination: { write: (line: string) => void lines.push(JSON.parse(line) as never) },
      }),
  );
  return { store: store!, lines };
}

/** A restock of one unit at main-store through `store`, as if relayed for `forwardedFor`. */
async function restock(store: StoreInstance, product: string, forwardedFor: string) {
  const res = await fetch(`${store.url}/inventory/${product}/update`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': forwardedFor,
      ...bearer(KEYS.staff),
    },
    body: JSON.stringify({ change: 1, update_type: 'restock', warehouse: 'main-store' }),
  });
  return res.status;
}

describe('TRUST_PROXY', () => {
  it('counts write budgets per client behind a trusted proxy (the default trusts loopback)', async () => {
    const { store, lines } = await storeTrusting(['loopback']);
    try {
      const product = await createProduct(others(), { 'main-store': 1 });
      const [a, b] = [client(), `203.0.113.${randomInt(1, 255)}`];
      expect([await restock(store, product, a), await restock(store, product, a)]).toEqual([
        200, 200,
      ]);
      expect(await restock(store, product, a)).toBe(429);
      // Another client behind the same proxy has a budget of its own.
      expect(await restock(store, product, b)).toBe(200);
      const logged = lines.filter((l) => l.req?.url === `/inventory/${product}/update`);
      expect(logged.map((l) => l.req?.remote_address)).toEqual([a, a, a, b]);
    } finally {
      await store.close();
    }
  });

  it('believes no X-Forwarded-For when set to false: every request counts as the connection’s address', async () => {
    const { store, lines } = await storeTrusting(false);
    try {
      const product = await createProduct(others(), { 'main-store': 1 });
      // A connection from an address of the test's own, so that the budget counted is its alone.
      const from = loopbackAddress();
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(await restockFrom(store.url, from, product, { 'x-forwarded-for': client() }));
      }
      expect(statuses).toEqual([200, 200, 429]);
      const logged = lines.filter((l) => l.req?.url === `/inventory/${product}/update`);
      expect(logged.map((l) => l.req?.remote_address)).toEqual([from, from, from]);
    } finally {
      await store.close();
    }
  });

  it('believes only the proxies named: a request from another address is its own client', async () => {
    const { store, lines } = await storeTrusting(['10.0.0.0/8']);
    try {
      const product = await createProduct(others(), { 'main-store': 1 });
      await restock(store, product, client());
      const [line] = lines.filter((l) => l.req?.url === `/inventory/${product}/update`);
      expect(line?.req?.remote_address).toBe('127.0.0.1');
    } finally {
      await store.close();
    }
  });

  it('takes a number of hops: the address one hop behind the connection', async () => {
    const { store, lines } = await storeTrusting(1);
    try {
      const product = await createProduct(others(), { 'main-store': 1 });
      const [far, near] = [client(), `203.0.113.${randomInt(1, 255)}`];
      await restock(store, product, `${far}, ${near}`);
      const [line] = lines.filter((l) => l.req?.url === `/inventory/${product}/update`);
      expect(line?.req?.remote_address).toBe(near);
    } finally {
      await store.close();
    }
  });
});
