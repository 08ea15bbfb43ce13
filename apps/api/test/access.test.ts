import type { UpdateType } from '@stockwire/domain';
import { signJwt } from '@stockwire/local-stack';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ledger, stockRow } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS, NO_CREDENTIAL } from './support/http.js';
import { createProduct, uniqueId } from './support/products.js';
import { stack } from './support/stack.js';
import { startStores, useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const main = () => stores()[0];
let productId: string;

beforeAll(async () => {
  productId = await createProduct(stores(), { 'main-store': 10_000 });
});

const now = () => Math.floor(Date.now() / 1000);
const userJwt = (role: string, secret = stack().jwtSecret, exp = now() + 600) =>
  signJwt(
    { sub: 'user-7f3a', role: 'authenticated', app_metadata: { stockwire_role: role }, exp },
    secret,
  );

type Credential =
  'none' | 'staff' | 'admin' | 'staff JWT' | 'expired JWT' | 'forged JWT' | 'anon key';
const CREDENTIALS: Record<Credential, () => Record<string, string>> = {
  none: () => NO_CREDENTIAL,
  staff: () => bearer(KEYS.staff),
  admin: () => bearer(KEYS.admin),
  'staff JWT': () => bearer(userJwt('staff')),
  'expired JWT': () => bearer(userJwt('admin', stack().jwtSecret, now() - 60)),
  'forged JWT': () => bearer(userJwt('admin', 'a-different-secret-of-at-least-32-chars!')),
  'anon key': () => bearer(stack().anonKey),
};

interface Route {
  name: string;
  role: 'staff' | 'admin';
  /** Makes a request that succeeds for an allowed caller. */
  send: (headers: Record<string, string>) => Promise<{ status: number }>;
}

async function newHold(): Promise<string> {
  const res = await api<{ reservation_id: string }>(
    main().url,
    'POST',
    `/inventory/${productId}/reserve`,
    {
      warehouse: 'main-store',
      quantity: 1,
    },
  );
  return res.body.reservation_id;
}

/** A change of stock at main-store of the kind `update_type`, which `role` may make. */
const stockChange = (update_type: UpdateType, role: Route['role'], change: number): Route => ({
  name: update_type,
  role,
  send: (h) =>
    api(
      main().url,
      'POST',
      `/inventory/${productId}/update`,
      { warehouse: 'main-store', change, update_type },
      h,
    ),
});

const ROUTES: Route[] = [
  stockChange('sale', 'staff', -1),
  stockChange('restock', 'staff', 1),
  stockChange('adjustment', 'admin', -1),
  stockChange('damage', 'admin', -1),
  {
    name: 'reserve',
    role: 'staff',
    send: (h) =>
      api(
        main().url,
        'POST',
        `/inventory/${productId}/reserve`,
        { warehouse: 'main-store', quantity: 1 },
        h,
      ),
  },
  {
    name: 'commit',
    role: 'staff',
    send: async (h) =>
      api(main().url, 'POST', `/reservations/${await newHold()}/commit`, undefined, h),
  },
  {
    name: 'release',
    role: 'staff',
    send: async (h) =>
      api(main().url, 'POST', `/reservations/${await newHold()}/release`, undefined, h),
  },
  {
    name: 'order',
    role: 'staff',
    send: (h) =>
      api(
        main().url,
        'POST',
        '/orders',
        { order_id: uniqueId(), product_id: productId, quantity: 1, warehouse: 'main-store' },
        h,
      ),
  },
  {
    name: 'create product',
    role: 'admin',
    send: (h) =>
      api(main().url, 'POST', '/products', { product_id: uniqueId(), name: 'Matrix item' }, h),
  },
  { name: 'list keys', role: 'admin', send: (h) => api(main().url, 'GET', '/keys', undefined, h) },
  {
    name: 'make a key',
    role: 'admin',
    send: (h) => api(main().url, 'POST', '/keys', { id: uniqueId(), role: 'staff' }, h),
  },
  {
    name: 'revoke a key',
    role: 'admin',
    send: async (h) => {
      const made = await api<{ id: string }>(main().url, 'POST', '/keys', {
        id: uniqueId(),
        role: 'staff',
      });
      return api(main().url, 'DELETE', `/keys/${made.body.id}`, undefined, h);
    },
  },
];

function expected(route: Route, credential: Credential): number | 'ok' {
  switch (credential) {
    case 'none':
    case 'expired JWT':
    case 'forged JWT':
      return 401;
    case 'anon key':
      return 403;
    case 'staff':
    case 'staff JWT':
      return route.role === 'staff' ? 'ok' : 403;
    case 'admin':
      return 'ok';
  }
}

describe('who may change stock', () => {
  const cases = ROUTES.flatMap((route) =>
    (Object.keys(CREDENTIALS) as Credential[]).map(
      (credential) => [route.name, credential, route] as const,
    ),
  );

  it.each(cases)('%s with %s', async (_name, credential, route) => {
    const before = await stockRow(productId, 'main-store');
    const events = (await ledger(productId)).length;
    const res = await route.send(CREDENTIALS[credential]());
    const want = expected(route, credential);
    if (want === 'ok') {
      expect(res.status, JSON.stringify(res)).toBeGreaterThanOrEqual(200);
      expect(res.status, JSON.stringify(res)).toBeLessThan(300);
    } else {
      expect(res).toMatchObject({
        status: want,
        body: { error: { code: want === 401 ? 'unauthorized' : 'forbidden' } },
      });
      // Refused callers change nothing (holds made to set up commit/release are the test's own).
      if (route.name !== 'commit' && route.name !== 'release') {
        expect(await stockRow(productId, 'main-store')).toEqual(before);
        expect(await ledger(productId)).toHaveLength(events);
      }
    }
  });

  it('lets anyone read, and says why a bad credential is refused even on reads', async () => {
    expect((await api(main().url, 'GET', '/inventory')).status).toBe(200);
    const expired = await api(
      main().url,
      'GET',
      '/inventory',
      undefined,
      CREDENTIALS['expired JWT'](),
    );
    expect(expired).toMatchObject({
      status: 401,
      body: { error: { message: 'The JWT has expired' } },
    });
  });

  it('records who made each change in the ledger', async () => {
    await api(
      main().url,
      'POST',
      `/inventory/${productId}/update`,
      { warehouse: 'main-store', change: -2, update_type: 'sale' },
      bearer(KEYS.staff),
    );
    expect((await ledger(productId)).at(-1)).toMatchObject({ change: -2, actor: 'key:test-staff' });
    await api(
      main().url,
      'POST',
      `/inventory/${productId}/update`,
      { warehouse: 'main-store', change: -3, update_type: 'sale' },
      bearer(userJwt('staff')),
    );
    expect((await ledger(productId)).at(-1)).toMatchObject({ change: -3, actor: 'user:user-7f3a' });
  });

  it('accepts a key made through the API at every store, and none after it is revoked anywhere', async () => {
    const made = await api<{ id: string; secret: string; role: string }>(
      main().url,
      'POST',
      '/keys',
      { id: `pos-${uniqueId()}`, role: 'staff' },
    );
    expect(made).toMatchObject({
      status: 201,
      body: { role: 'staff', secret: expect.stringMatching(/^swk_/) },
    });
    const sale = { warehouse: 'main-store', change: -1, update_type: 'sale' };
    const other = stores()[1];
    // A sale at the other store with the new key.
    const sellThere = () =>
      api(other.url, 'POST', `/inventory/${productId}/update`, sale, bearer(made.body.secret));
    expect((await sellThere()).status).toBe(200);
    const listed = await api<{ id: string; revoked_at: string | null }[]>(
      main().url,
      'GET',
      '/keys',
      undefined,
      bearer(KEYS.admin),
    );
    expect(listed.body.find((k) => k.id === made.body.id)).toMatchObject({ revoked_at: null });
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret);

    expect((await api(main().url, 'DELETE', `/keys/${made.body.id}`)).status).toBe(200);
    // The revocation reaches the other store over the bus, within milliseconds.
    await eventually(async () => (await sellThere()).status === 401);
    const refused = await sellThere();
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    const missing = await api(main().url, 'DELETE', '/keys/no-such-key');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'key_not_found' } } });
  });
});

describe('read access when reads are not public', () => {
  it('needs a credential for reads and for the live feeds', async () => {
    const [closed] = await startStores(['closed-store'], { access: { readsPublic: false } });
    try {
      expect((await api(closed!.url, 'GET', '/inventory')).status).toBe(401);
      expect(
        (await api(closed!.url, 'GET', '/inventory', undefined, bearer(KEYS.staff))).status,
      ).toBe(200);
      const wsStatus = (url: string) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(url);
          socket.on('open', () => {
            socket.close();
            resolve(101);
          });
          socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          socket.on('error', () => {});
        });
      const wsUrl = `${closed!.url.replace('http', 'ws')}/ws`;
      expect(await wsStatus(wsUrl)).toBe(401);
      expect(await wsStatus(`${wsUrl}?token=${KEYS.staff}`)).toBe(101);
    } finally {
      await closed!.close();
    }
  });
});

describe('rate limits', () => {
  it('share one budget per credential across stores, answering 429 with Retry-After', async () => {
    const limited = await startStores(['east-store', 'west-store'], {
      access: { rateLimits: { windowMs: 60_000, perCredential: 5, perIp: 0 } },
    });
    try {
      const made = await api<{ secret: string }>(main().url, 'POST', '/keys', {
        id: `rl-${uniqueId()}`,
        role: 'staff',
      });
      const sale = { warehouse: 'main-store', change: -1, update_type: 'sale' };
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${limited[i % 2]!.url}/inventory/${productId}/update`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(made.body.secret) },
          body: JSON.stringify(sale),
        });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(await res.json()).toMatchObject({ error: { code: 'rate_limited' } });
        }
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      // Another credential has a budget of its own.
      const admin = await api(limited[0]!.url, 'POST', `/inventory/${productId}/update`, sale);
      expect(admin.status).toBe(200);
    } finally {
      await Promise.all(limited.map((s) => s.close()));
    }
  });
});
