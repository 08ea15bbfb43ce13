import { INVENTORY_CHANNEL, type ProductInventory } from '@stockwire/domain';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ledger, stockRow } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { useStores } from './support/stores.js';

const stores = useStores(['main-store', 'downtown-store']);
const main = () => stores()[0];
let productId: string;

beforeAll(async () => {
  productId = await createProduct(stores(), { 'main-store': 50 });
});

/** Values an attacker or a buggy client might send. */
const hostileScalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1e308,
    -0,
    2 ** 31,
    -(2 ** 31) - 1,
  ),
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-1',
    '1e9',
    '',
    ' ',
    '0x10',
    "'; drop table stock_levels; --",
    '"><script>',
    '\u0000',
    '🛒',
  ),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
);
const hostileValue = fc.oneof(
  hostileScalar,
  fc.array(hostileScalar, { maxLength: 4 }),
  fc.dictionary(fc.string(), hostileScalar, { maxKeys: 4 }),
);
const hostileBody = fc.oneof(
  hostileValue,
  fc.record(
    {
      change: hostileValue,
      update_type: fc.oneof(
        hostileValue,
        fc.constantFrom('sale', 'restock', 'adjustment', 'return', 'damage'),
      ),
      warehouse: fc.oneof(
        hostileValue,
        fc.constantFrom('main-store', 'MAIN-STORE', 'main store', '../x'),
      ),
      quantity: hostileValue,
      ttl_seconds: hostileValue,
      order_id: hostileValue,
      lines: fc.oneof(
        hostileValue,
        fc.array(
          fc.dictionary(fc.constantFrom('product_id', 'quantity', 'warehouse', 'x'), hostileValue),
          { maxLength: 3 },
        ),
      ),
      product_id: hostileValue,
      name: hostileValue,
      stock: hostileValue,
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const hostileId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.constantFrom('OLJCESPC7Z', "' or 1=1 --", '%00', '..', 'ÖLJ', '🛒', 'a'.repeat(300)),
);

const ROUTES = [
  (id: string) => `/inventory/${id}/update`,
  (id: string) => `/inventory/${id}/reserve`,
  () => '/orders',
  () => '/products',
  (id: string) => `/reservations/${id}/commit`,
  (id: string) => `/reservations/${id}/release`,
  () => '/keys',
];

async function state() {
  return { row: await stockRow(productId, 'main-store'), events: (await ledger(productId)).length };
}

describe('hostile input', () => {
  it('never gets a 5xx, and a refused request changes no stock and no ledger', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(ROUTES.length - 1),
        fc.oneof(hostileId, fc.constant(productId)),
        hostileBody,
        async (route, id, body) => {
          const path = ROUTES[route]!(encodeURIComponent(id));
          const pre = id === productId ? await state() : null;
          const res = await fetch(`${main().url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...bearer(KEYS.admin) },
            body: JSON.stringify(body) ?? 'null',
          });
          requests++;
          expect(res.status).toBeLessThan(500);
          const json = (await res.json()) as { error?: { code: string } };
          if (res.status >= 400) expect(json.error?.code).toEqual(expect.any(String));
          if (res.status >= 400 && pre) expect(await state()).toEqual(pre);
          return res.status < 500;
        },
      ),
      { numRuns: 300 },
    );
    expect(requests).toBe(300);
    // Whatever was accepted went through the rules: stock is never negative, holds never exceed it.
    const row = await stockRow(productId, 'main-store');
    expect(row!.on_hand).toBeGreaterThanOrEqual(row!.reserved);
  });

  it('never gets a 5xx from hostile paths and query strings on the read routes', async () => {
    const paths = [
      (id: string, q: string) => `/inventory/${id}?${q}`,
      (_id: string, q: string) => `/events?${q}`,
      (_id: string, q: string) => `/inventory/events?${q}`,
      (_id: string, q: string) => `/alerts?${q}`,
      (id: string) => `/reservations/${id}`,
    ];
    const query = fc
      .dictionary(
        fc.oneof(
          fc.constantFrom(
            'product_id',
            'location',
            'update_type',
            'kind',
            'since',
            'until',
            'before',
            'after',
            'limit',
          ),
          fc.string(),
        ),
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            '-1',
            '1e309',
            'NaN',
            '2026-13-45T99:00:00Z',
            "' or 1=1 --",
            'sale,theft',
            '0'.repeat(400),
          ),
        ),
        { maxKeys: 4 },
      )
      .map((q) => new URLSearchParams(q).toString());
    await fc.assert(
      // `.` and `..` are resolved by the client before anything is sent: not ids at all.
      fc.asyncProperty(
        fc.nat(paths.length - 1),
        hostileId.filter((id) => id !== '.' && id !== '..'),
        query,
        async (route, id, q) => {
          const res = await fetch(`${main().url}${paths[route]!(encodeURIComponent(id), q)}`);
          expect(res.status).toBeLessThan(500);
          expect(res.headers.get('content-type')).toContain('application/json');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers huge, deep and non-JSON bodies with a 4xx and stays up', async () => {
    const huge = await fetch(`${main().url}/inventory/${productId}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEYS.admin) },
      body: JSON.stringify({ change: -1, update_type: 'sale', pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const deep = await fetch(`${main().url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEYS.admin) },
      body: '['.repeat(30_000) + ']'.repeat(30_000),
    });
    expect(deep.status).toBe(400);
    for (const [type, body] of [
      ['text/plain', 'change=-1'],
      ['application/json', '{"change": -1, "update_type": "sale",}'],
      ['application/json; charset=latin1', '{}'],
      ['application/x-www-form-urlencoded', 'change=-1&update_type=sale'],
    ] as const) {
      const res = await fetch(`${main().url}/inventory/${productId}/update`, {
        method: 'POST',
        headers: { 'content-type': type, ...bearer(KEYS.admin) },
        body,
      });
      expect(res.status, type).toBeGreaterThanOrEqual(400);
      expect(res.status, type).toBeLessThan(500);
    }
    const health = await api<{ ready: boolean }>(main().url, 'GET', '/health');
    expect(health.body.ready).toBe(true);
  });

  it('never leaks stack traces or SQL in error bodies', async () => {
    const res = await fetch(`${main().url}/inventory/${productId}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEYS.admin) },
      body: '{"change": ',
    });
    const text = await res.text();
    expect(text).not.toMatch(/at .*\.(ts|js):\d+|SyntaxError|select |insert |stack_levels/i);
  });
});

describe('hostile messages on inventory_updates', () => {
  it('drops forged messages of a bad shape without touching any cache', async () => {
    const redis = new Redis(stack().redisUrl);
    try {
      const views = async () =>
        Promise.all(
          stores().map(
            async (s) =>
              (await api<ProductInventory>(s.url, 'GET', `/inventory/${productId}`)).body,
          ),
        );
      const before = await views();
      const dropped = stores().map((s) => s.sync.invalidMessages);
      const forged: unknown[] = [
        'not json',
        { type: 'stock_changed', product_id: productId, location: 'main-store', on_hand: -5 },
        {
          type: 'stock_changed',
          product_id: productId,
          location: 'main-store',
          on_hand: 1e12,
          reserved: 0,
          version: 999999,
        },
        {
          type: 'stock_changed',
          product_id: productId,
          location: "'; drop",
          on_hand: 1,
          reserved: 0,
          version: 2,
          change: 1,
        },
        { type: 'product_created', product: { id: 'X' } },
        { type: 'something_else' },
        [1, 2, 3],
        null,
      ];
      for (const message of forged) {
        await redis.publish(
          INVENTORY_CHANNEL,
          typeof message === 'string' ? message : JSON.stringify(message),
        );
      }
      await eventually(() =>
        stores().every((s, i) => s.sync.invalidMessages >= dropped[i]! + forged.length),
      );
      expect(await views()).toEqual(before);
    } finally {
      redis.disconnect();
    }
  });
});

describe('hostile realtime clients', () => {
  it('ignores what Socket.IO clients send and cuts off a flood, staying up for everyone else', async () => {
    const socket = io(main().url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    const disconnected = new Promise<string>((resolve) =>
      socket.on('disconnect', (reason) => resolve(reason)),
    );
    for (let i = 0; i < 200; i++)
      socket.emit('update', { product_id: productId, quantity: -1e9, i });
    expect(await disconnected).toBe('io server disconnect');
    expect(await stockRow(productId, 'main-store')).toMatchObject({ on_hand: expect.any(Number) });
    const again = io(main().url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const snapshot = await new Promise<ProductInventory[]>((resolve) =>
      again.on('snapshot', resolve),
    );
    expect(snapshot.some((p) => p.product_id === productId)).toBe(true);
    again.close();
  });

  it('ignores what /ws clients send, refuses oversized frames, and closes a flood', async () => {
    const ws = new WebSocket(`${main().url.replace('http', 'ws')}/ws`);
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    for (let i = 0; i < 100; i++)
      ws.send(JSON.stringify({ type: 'update', data: { quantity: -1 } }));
    expect(await closed).toBe(1008);
    const big = new WebSocket(`${main().url.replace('http', 'ws')}/ws`);
    await new Promise((resolve) => big.on('open', resolve));
    const bigClosed = new Promise<number>((resolve) => big.on('close', (code) => resolve(code)));
    big.send('x'.repeat(100_000));
    expect(await bigClosed).toBe(1009);
    expect((await api(main().url, 'GET', '/health')).status).toBe(200);
  });
});
