import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { StoreInstance } from '../src/app.js';
import { API_OPENAPI } from '../src/http/api.openapi.js';
import { HTTP_STATUS } from '../src/http/error.middleware.js';
import { ErrorBodySchema, type OpenApiDocument } from '../src/http/openapi.js';
import { api, createProduct, startStores } from './helpers.js';

let stores: StoreInstance[];
let store: StoreInstance;
let document: OpenApiDocument;

beforeAll(async () => {
  stores = await startStores(['main-store', 'mall-store', 'downtown-store']);
  store = stores[0]!;
  document = (await api<OpenApiDocument>(store.url, 'GET', '/openapi.json')).body;
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
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
    const served = routesOf(store.app.router.stack).sort();
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
    const id = await createProduct(stores, { 'main-store': 4 });
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
      const res = await api(store.url, 'GET', url);
      expect(
        responseSchema('get', path, res.status).safeParse(res.body).error?.issues ?? [],
        url,
      ).toEqual([]);
    }
  });

  it('accepts every documented request example, answering as documented', async () => {
    const id = await createProduct(stores, { 'main-store': 10, 'downtown-store': 10 });
    let sent = 0;
    for (const route of registeredRoutes()) {
      const media = route.request?.body?.content['application/json'] as
        { examples?: Record<string, Example> } | undefined;
      for (const [name, example] of Object.entries(media?.examples ?? {})) {
        const url = route.path.replace('{product_id}', id);
        const res = await api(store.url, 'POST', url, example.value);
        expect(res.status, `${route.path} ${name}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        const schema = responseSchema(route.method, route.path, res.status);
        expect(schema.safeParse(res.body).error?.issues ?? []).toEqual([]);
        sent++;
      }
    }
    expect(sent).toBeGreaterThanOrEqual(5);
  });

  it('answers refusals with a documented status and error shape', async () => {
    const id = await createProduct(stores, { 'main-store': 1 });
    const path = '/inventory/{product_id}/update';
    const refusals = [
      { change: -5, update_type: 'sale' },
      { change: 5, update_type: 'sale' },
      { change: -1, update_type: 'sale', qty: 1 },
    ];
    for (const body of refusals) {
      const res = await api<z.infer<typeof ErrorBodySchema>>(
        store.url,
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
    const page = await fetch(`${store.url}/docs`);
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
      const res = await fetch(`${store.url}${asset}`);
      expect(res.status, asset).toBe(200);
      await res.arrayBuffer();
    }
    expect(html).not.toMatch(/https?:\/\//);
    const init = await (await fetch(`${store.url}/docs/swagger-init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
  });

  it("keeps swagger-ui-dist's sample page and initializer out", async () => {
    for (const path of ['/docs/index.html', '/docs/swagger-initializer.js']) {
      const res = await api<{ error: { code: string } }>(store.url, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});
