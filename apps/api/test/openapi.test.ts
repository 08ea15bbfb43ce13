import { randomUUID } from 'node:crypto';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { StoreInstance } from '../src/app.js';
import { API_OPENAPI } from '../src/http/api.openapi.js';
import { HTTP_STATUS } from '../src/http/error.reply.js';
import { ErrorBodySchema, type OpenApiDocument } from '../src/http/openapi.js';
import { api, bearer, KEYS, NO_CREDENTIAL } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores, useStores } from './support/stores.js';

const stores = useStores(['main-store', 'mall-store', 'downtown-store']);
const store = () => stores()[0];
let document: OpenApiDocument;

beforeAll(async () => {
  document = (await api<OpenApiDocument>(store().url, 'GET', '/openapi.json')).body;
});

type Layer = StoreInstance['app']['router']['stack'][number];

/** `METHOD /path` of every route in an Express router stack, paths in OpenAPI's `{param}` form. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = (prefix + layer.route.path).replace(/:(\w+)/g, '{$1}');
      const methods = new Set(layer.route.stack.map((l) => l.method.toUpperCase()));
      return [...methods].map((method) => `${method} ${path}`);
    }
    const inner = (layer.handle as { stack?: unknown }).stack;
    if (!Array.isArray(inner)) return [];
    const mount = (layer as { rawPath?: unknown }).rawPath;
    return routesOf(
      inner as Layer[],
      prefix + (typeof mount === 'string' && mount !== '/' ? mount : ''),
    );
  });
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

function documentedOperations(doc: OpenApiDocument) {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ key: `${method.toUpperCase()} ${path}`, operation }] : [];
    }),
  );
}

/** The routes as registered, with the zod schemas the document was generated from. */
function registeredRoutes(): RouteConfig[] {
  const registry = new OpenAPIRegistry();
  for (const contribute of API_OPENAPI) contribute(registry);
  return registry.definitions.flatMap((d) => (d.type === 'route' ? [d.route] : []));
}

interface Example {
  value: unknown;
}
type ContentOf = Record<string, { schema?: unknown; examples?: Record<string, Example> }>;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route the app serves, and only those', () => {
    const served = routesOf(store().app.router.stack).sort();
    const documented = documentedOperations(document)
      .map((o) => o.key)
      .sort();
    expect(served).toContain('POST /inventory/{product_id}/update');
    expect(documented).toEqual(served);
  });

  it('gives every operation a summary and examples for its request body and every response', () => {
    for (const { key, operation } of documentedOperations(document)) {
      expect(operation.operationId, key).toBeTruthy();
      expect(operation.summary, key).toBeTruthy();
      const body = operation.requestBody as { content?: ContentOf } | undefined;
      for (const [type, media] of Object.entries(body?.content ?? {})) {
        expect(Object.keys(media.examples ?? {}), `${key} request ${type}`).not.toHaveLength(0);
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const content = (response as { content?: ContentOf }).content ?? {};
        expect(Object.keys(content), `${key} ${status}`).not.toHaveLength(0);
        for (const [type, media] of Object.entries(content)) {
          expect(Object.keys(media.examples ?? {}), `${key} ${status} ${type}`).not.toHaveLength(0);
        }
      }
    }
  });

  it("puts each error example under its code's status", () => {
    let errors = 0;
    for (const { key, operation } of documentedOperations(document)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const media = ((response as { content?: ContentOf }).content ?? {})['application/json'];
        const schema = media?.schema as { $ref?: string } | undefined;
        if (!media || schema?.$ref !== '#/components/schemas/Error') continue;
        for (const [name, example] of Object.entries(media.examples ?? {})) {
          const body = ErrorBodySchema.parse(example.value);
          expect(body.error.code, `${key} ${status} ${name}`).toBe(name);
          expect(HTTP_STATUS[body.error.code], `${key} ${name}`).toBe(Number(status));
          errors++;
        }
      }
    }
    expect(errors).toBeGreaterThan(10);
  });

  it('has only examples that the schemas they illustrate accept', () => {
    const check = (where: string, schema: unknown, examples: Record<string, Example> = {}) => {
      if (!schema || typeof (schema as z.ZodType).safeParse !== 'function') return;
      for (const [name, example] of Object.entries(examples)) {
        const result = (schema as z.ZodType).safeParse(example.value);
        expect(result.error?.issues ?? [], `${where} example ${name}`).toEqual([]);
      }
    };
    for (const route of registeredRoutes()) {
      const key = `${route.method.toUpperCase()} ${route.path}`;
      for (const [type, media] of Object.entries(route.request?.body?.content ?? {})) {
        const m = media as { schema?: unknown; examples?: Record<string, Example> };
        check(`${key} request ${type}`, m.schema, m.examples);
      }
      for (const [status, response] of Object.entries(route.responses)) {
        for (const [type, media] of Object.entries(
          (response as { content?: ContentOf }).content ?? {},
        )) {
          check(`${key} ${status} ${type}`, media.schema, media.examples);
        }
      }
    }
  });
});

describe('access in the OpenAPI document', () => {
  /** Operations that need a credential whatever the store's configuration. */
  const adminRead = (key: string) => key === 'GET /keys' || key.startsWith('GET /webhooks');
  const guarded = () =>
    documentedOperations(document).filter(({ key }) => !key.startsWith('GET ') || adminRead(key));
  const parameters = (operation: object) =>
    ((operation as { parameters?: { name: string; in: string }[] }).parameters ?? []).map(
      (p) => `${p.in}:${p.name}`,
    );

  it('declares one bearer scheme for API keys and Supabase Auth JWTs', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    const scheme = document.components!.securitySchemes!.bearer as { description: string };
    expect(scheme.description).toContain('app_metadata.stockwire_role');
  });

  it('requires the credential on every write and on GET /keys, naming the role it needs', () => {
    expect(guarded().map((o) => o.key)).toEqual(
      expect.arrayContaining(['POST /orders', 'DELETE /keys/{id}', 'GET /keys']),
    );
    for (const { key, operation } of guarded()) {
      expect(operation.security, key).toEqual([{ bearer: [] }]);
      expect(operation.description, key).toMatch(/Needs a credential.*role `(staff|admin)`/);
      expect(Object.keys(operation.responses ?? {}), key).toEqual(
        expect.arrayContaining(['401', '403']),
      );
      if (key.startsWith('GET ')) continue;
      const limited = operation.responses?.['429'] as { headers?: object } | undefined;
      expect(limited?.headers, key).toHaveProperty('Retry-After');
    }
    const update = document.paths?.['/inventory/{product_id}/update']?.post;
    expect(update?.description).toContain('`staff` for `sale`, `restock`, `return`');
    expect(update?.description).toContain('`admin` for `damage`, `adjustment`');
    expect(document.paths?.['/keys']?.post?.description).toContain('role `admin`');
  });

  it('offers the credential on reads as optional, for stores that keep reads private', () => {
    for (const { key, operation } of documentedOperations(document)) {
      if (!key.startsWith('GET ') || adminRead(key)) continue;
      // Reads of stock and history say READS_PUBLIC=false can close them; pages and probes cannot be.
      const closable = (operation.description ?? '').includes('READS_PUBLIC=false');
      expect(operation.security, key).toEqual(closable ? [{}, { bearer: [] }] : undefined);
    }
    expect(document.paths?.['/inventory/{product_id}']?.get?.security).toEqual([
      {},
      { bearer: [] },
    ]);
    expect(document.paths?.['/health']?.get?.security).toBeUndefined();
  });

  it('documents Idempotency-Key on the writes that honour it, with the 422 of a reused key', () => {
    const idempotent = [
      'POST /inventory/{product_id}/update',
      'POST /inventory/{product_id}/reserve',
      'POST /reservations/{id}/commit',
      'POST /reservations/{id}/release',
      'POST /orders',
      'POST /transfers',
      'POST /transfers/{id}/receive',
      'POST /transfers/{id}/cancel',
      'POST /products',
      'POST /counts',
    ];
    for (const { key, operation } of documentedOperations(document)) {
      const has = parameters(operation).includes('header:Idempotency-Key');
      expect(has, key).toBe(idempotent.includes(key));
      if (!has) continue;
      const reused = operation.responses?.['422'] as { content: ContentOf } | undefined;
      expect(Object.keys(reused?.content['application/json']?.examples ?? {}), key).toEqual([
        'idempotency_key_reused',
      ]);
    }
  });
});

describe('the API as documented', () => {
  /** Response schemas by operation and status, as zod schemas. */
  function responseSchema(method: string, path: string, status: number): z.ZodType {
    const route = registeredRoutes().find((r) => r.method === method && r.path === path);
    expect(route, `${method} ${path}`).toBeDefined();
    const response = route!.responses[status] as { content?: ContentOf } | undefined;
    expect(response, `${method} ${path} answers ${status}`).toBeDefined();
    return response!.content!['application/json']!.schema as z.ZodType;
  }

  it('answers reads with what the document describes', async () => {
    const id = await createProduct(stores(), { 'main-store': 4 });
    const reads: [string, string][] = [
      ['/inventory', '/inventory'],
      [`/inventory/${id}`, '/inventory/{product_id}'],
      ['/inventory/NOSUCHPROD', '/inventory/{product_id}'],
      ['/inventory/bad%20id', '/inventory/{product_id}'],
      ['/products', '/products'],
      ['/health', '/health'],
      ['/ready', '/ready'],
    ];
    for (const [url, path] of reads) {
      const res = await api(store().url, 'GET', url);
      expect(
        responseSchema('get', path, res.status).safeParse(res.body).error?.issues ?? [],
        url,
      ).toEqual([]);
    }
  });

  it('accepts every documented request example, answering as documented', async () => {
    const id = await createProduct(stores(), { 'main-store': 10, 'downtown-store': 10 });
    // A location of this test's own, for the examples that change one.
    const place = `openapi-${randomUUID().slice(0, 8)}`;
    expect((await api(store().url, 'POST', '/locations', { id: place, name: place })).status).toBe(
      201,
    );
    let sent = 0;
    for (const route of registeredRoutes()) {
      const media = route.request?.body?.content['application/json'] as
        { examples?: Record<string, Example> } | undefined;
      for (const [name, example] of Object.entries(media?.examples ?? {})) {
        // A webhook endpoint to change, for no product, so that nothing is delivered to it.
        const hook =
          route.path.startsWith('/webhooks/') && route.path.includes('{id}')
            ? await api<{ id: string }>(store().url, 'POST', '/webhooks', {
                url: 'http://127.0.0.1:9/hooks',
                events: ['reservation.expired'],
                products: ['NOSUCHPRODUCT'],
              })
            : null;
        // A transfer to receive, of the product the receipt examples name.
        const transferred = route.path.startsWith('/transfers/')
          ? await api<{ transfer_id: string }>(store().url, 'POST', '/transfers', {
              from: 'main-store',
              to: 'downtown-store',
              lines: [{ product_id: 'OLJCESPC7Z', quantity: 2 }],
            })
          : null;
        const target = route.path.startsWith('/locations/')
          ? place
          : (hook?.body.id ?? transferred?.body.transfer_id ?? '');
        const url = route.path
          .replace('{product_id}', id)
          .replace('{location}', 'main-store')
          .replace('{id}', target);
        const method = route.method.toUpperCase() as 'POST' | 'PATCH';
        const res = await api<{ id?: string }>(store().url, method, url, example.value);
        expect(res.status, `${route.path} ${name}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        const schema = responseSchema(route.method, route.path, res.status);
        expect(schema.safeParse(res.body).error?.issues ?? []).toEqual([]);
        // The examples' endpoints are not receivers: none is kept.
        const made = hook?.body.id ?? (route.path === '/webhooks' ? res.body.id : undefined);
        if (made) expect((await api(store().url, 'DELETE', `/webhooks/${made}`)).status).toBe(200);
        sent++;
      }
    }
    expect(sent).toBeGreaterThanOrEqual(5);
  });

  /** Checks a response against the document: its schema, and for an error, its listed code. */
  function expectDocumented(method: string, path: string, res: { status: number; body: unknown }) {
    const where = `${method.toUpperCase()} ${path} ${res.status}: ${JSON.stringify(res.body)}`;
    expect(
      responseSchema(method, path, res.status).safeParse(res.body).error?.issues ?? [],
      where,
    ).toEqual([]);
    const code = (res.body as { error?: { code?: string } }).error?.code;
    if (code === undefined) return;
    const documented = (
      document.paths?.[path] as Record<
        string,
        { responses: Record<number, { content: ContentOf }> }
      >
    )[method]!.responses[res.status]!;
    expect(Object.keys(documented.content['application/json']!.examples!), where).toContain(code);
  }

  /** Sends a request, expects `status`, and checks the answer against the document. */
  async function call(
    status: number,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    [path, url]: [string, string],
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const res = await api<Record<string, unknown>>(store().url, method, url, body, headers);
    expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(status);
    expectDocumented(method.toLowerCase(), path, res);
    return res.body;
  }

  it('answers holds, orders and keys as documented', async () => {
    const id = await createProduct(stores(), { 'main-store': 5 });
    const reserve: [string, string] = [
      '/inventory/{product_id}/reserve',
      `/inventory/${id}/reserve`,
    ];
    const hold = (rid: unknown, action = '') =>
      [`/reservations/{id}${action}`, `/reservations/${String(rid)}${action}`] as [string, string];
    const orders: [string, string] = ['/orders', '/orders'];
    const keys: [string, string] = ['/keys', '/keys'];
    const staff = bearer(KEYS.staff);

    const held = await call(201, 'POST', reserve, { quantity: 2 });
    const other = await call(201, 'POST', reserve, { quantity: 1 });
    await call(409, 'POST', reserve, { quantity: 9 });
    await call(401, 'POST', reserve, { quantity: 1 }, bearer('not-a-key'));
    await call(200, 'GET', hold(held.reservation_id));
    await call(404, 'GET', hold(randomUUID()));
    await call(200, 'POST', hold(held.reservation_id, '/commit'));
    await call(409, 'POST', hold(held.reservation_id, '/release'));
    await call(200, 'POST', hold(other.reservation_id, '/release'));

    const order = { order_id: `doc-${id}`, product_id: id, quantity: 1 };
    await call(201, 'POST', orders, order);
    await call(200, 'POST', orders, order);
    await call(409, 'POST', orders, {
      order_id: `doc-short-${id}`,
      lines: [{ product_id: id, quantity: 50 }],
    });
    await call(401, 'POST', orders, order, NO_CREDENTIAL);
    const keyed = { 'idempotency-key': `doc-${id}`, ...staff };
    await call(201, 'POST', orders, { ...order, order_id: `doc-2-${id}` }, keyed);
    await call(422, 'POST', orders, { ...order, order_id: `doc-3-${id}` }, keyed);

    const keyId = `doc-${randomUUID().slice(0, 8)}`;
    await call(201, 'POST', keys, { id: keyId, role: 'staff' });
    await call(409, 'POST', keys, { id: keyId, role: 'staff' });
    await call(403, 'POST', keys, { id: 'x', role: 'staff' }, staff);
    await call(200, 'GET', keys, undefined, bearer(KEYS.admin));
    await call(403, 'GET', keys, undefined, staff);
    await call(200, 'DELETE', ['/keys/{id}', `/keys/${keyId}`]);
    await call(404, 'DELETE', ['/keys/{id}', '/keys/no-such-key']);
  });

  it('answers locations, and writes naming a missing or inactive one, as documented', async () => {
    const place = `doc-${randomUUID().slice(0, 8)}`;
    const id = await createProduct(stores(), { 'main-store': 5 });
    const one = (loc: string): [string, string] => ['/locations/{id}', `/locations/${loc}`];
    await call(201, 'POST', ['/locations', '/locations'], { id: place, name: 'Doc' });
    await call(409, 'POST', ['/locations', '/locations'], { id: place, name: 'Doc' });
    await call(
      403,
      'POST',
      ['/locations', '/locations'],
      { id: 'x', name: 'X' },
      bearer(KEYS.staff),
    );
    await call(400, 'PATCH', one(place), { active: 'no' });
    await call(404, 'PATCH', one('no-such-place'), { name: 'X' });
    await call(200, 'GET', ['/locations', '/locations']);
    await call(404, 'GET', one('no-such-place'));
    await call(200, 'PATCH', one(place), { active: false });
    await call(200, 'GET', one(place));

    const update: [string, string] = ['/inventory/{product_id}/update', `/inventory/${id}/update`];
    await call(404, 'POST', update, { warehouse: 'mian-store', change: 1, update_type: 'restock' });
    await call(409, 'POST', update, { warehouse: place, change: 1, update_type: 'restock' });
    const reserve: [string, string] = [
      '/inventory/{product_id}/reserve',
      `/inventory/${id}/reserve`,
    ];
    await call(404, 'POST', reserve, { quantity: 1, warehouse: 'mian-store' });
    await call(409, 'POST', reserve, { quantity: 1, warehouse: place });
    const orders: [string, string] = ['/orders', '/orders'];
    const line = (warehouse: string) => ({
      order_id: `doc-${warehouse}-${id}`,
      product_id: id,
      quantity: 1,
      warehouse,
    });
    await call(404, 'POST', orders, line('mian-store'));
    await call(409, 'POST', orders, line(place));
    const products: [string, string] = ['/products', '/products'];
    await call(404, 'POST', products, { name: 'Nowhere', stock: { 'mian-store': 1 } });
    await call(409, 'POST', products, { name: 'Shut', stock: { [place]: 1 } });
  });

  it('answers a spent write budget with the documented 429 and Retry-After', async () => {
    const id = await createProduct(stores(), { 'main-store': 50 });
    const secret = `doc-limited-${randomUUID()}`;
    const [limited] = await startStores(['main-store'], {
      access: {
        apiKeys: [{ id: `doc-limited-${randomUUID().slice(0, 8)}`, role: 'staff', secret }],
        rateLimits: { windowMs: 60_000, perCredential: 1, perIp: 0 },
      },
    });
    try {
      let res: Response | undefined;
      // Limits fail open while the store's limiter is still connecting to Redis; one of these is refused.
      for (let i = 0; i < 10 && res?.status !== 429; i++) {
        res = await fetch(`${limited!.url}/inventory/${id}/update`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(secret) },
          body: JSON.stringify({ change: -1, update_type: 'sale' }),
        });
        if (res.status !== 429) await res.arrayBuffer();
      }
      expect(res?.status).toBe(429);
      expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
      expectDocumented('post', '/inventory/{product_id}/update', {
        status: 429,
        body: await res!.json(),
      });
    } finally {
      await limited?.close();
    }
  });

  it('answers refusals with a documented status and error shape', async () => {
    const id = await createProduct(stores(), { 'main-store': 1 });
    const path = '/inventory/{product_id}/update';
    const refusals = [
      { change: -5, update_type: 'sale' },
      { change: 5, update_type: 'sale' },
      { change: -1, update_type: 'sale', qty: 1 },
    ];
    for (const body of refusals) {
      const res = await api<z.infer<typeof ErrorBodySchema>>(
        store().url,
        'POST',
        `/inventory/${id}/update`,
        body,
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(responseSchema('post', path, res.status).parse(res.body)).toEqual(res.body);
      const documented = document.paths?.[path]?.post?.responses?.[res.status] as {
        content: ContentOf;
      };
      expect(Object.keys(documented.content['application/json']!.examples!)).toContain(
        res.body.error.code,
      );
    }
  });
});

describe('the docs page', () => {
  it('serves Swagger UI and its assets from the store itself', async () => {
    const page = await fetch(`${store().url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining([
        '/docs/swagger-ui-bundle.js',
        '/docs/swagger-ui.css',
        '/docs/swagger-init.js',
      ]),
    );
    for (const asset of assets) {
      const res = await fetch(`${store().url}${asset}`);
      expect(res.status, asset).toBe(200);
      await res.arrayBuffer();
    }
    expect(html).not.toMatch(/https?:\/\//);
    const init = await (await fetch(`${store().url}/docs/swagger-init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
  });

  it("keeps swagger-ui-dist's sample page and initializer out", async () => {
    for (const path of ['/docs/index.html', '/docs/swagger-initializer.js']) {
      const res = await api<{ error: { code: string } }>(store().url, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});
