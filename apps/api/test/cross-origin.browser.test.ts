import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { launchChromium, type Browser } from './browser.js';
import { stockRow } from './support/database.js';
import { KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { stack } from './support/stack.js';
import { startStores } from './support/stores.js';

/** An app of its own, on an origin that is neither a store's nor the gateway's. */
const APP_HOST = 'shop-app.test';
const SUPABASE_UMD = createRequire(import.meta.url).resolve(
  '@supabase/supabase-js/dist/umd/supabase.js',
);

let browser: Browser;
let app: Server;
let appOrigin: string;
let allowing: StoreInstance;
let refusing: StoreInstance;

beforeAll(async () => {
  app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>shop app</title><p>shop app</p>');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://${APP_HOST}:${(app.address() as AddressInfo).port}`;
  [allowing, refusing] = (await Promise.all([
    startStores(['main-store'], { http: { corsOrigins: [appOrigin] } }),
    startStores(['downtown-store']),
  ]).then((started) => started.flat())) as [StoreInstance, StoreInstance];
  browser = await launchChromium({ hostNames: [APP_HOST] });
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([allowing?.close(), refusing?.close()]);
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
});

/** What supabase-js's browser bundle puts on `window`. */
interface SupabaseGlobal {
  createClient: (url: string, key: string) => SupabaseClient;
}

/** The app's page, opened at its own origin. */
async function appPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(appOrigin);
  return page;
}

/** A sale sent by the app's page with `fetch`: the status, or `refused` if the browser would not. */
const sellFromPage = (page: Page, url: string, product: string) =>
  page.evaluate(
    async ({ url, product, key }) => {
      try {
        const res = await fetch(`${url}/inventory/${product}/update`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ change: -1, update_type: 'sale', warehouse: 'main-store' }),
        });
        return String(res.status);
      } catch {
        return 'refused';
      }
    },
    { url, product, key: KEYS.staff },
  );

describe('a browser app on another origin', () => {
  it('writes with a staff key to a store that allows its origin (CORS_ORIGINS)', async () => {
    const id = await createProduct([allowing], { 'main-store': 5 });
    const page = await appPage();
    expect(await sellFromPage(page, allowing.url, id)).toBe('200');
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 4 });
    await page.close();
  });

  it('is refused by the browser at a store that does not allow its origin', async () => {
    const id = await createProduct([allowing], { 'main-store': 5 });
    const page = await appPage();
    expect(await sellFromPage(page, refusing.url, id)).toBe('refused');
    await page.close();
  });

  it('reads public_inventory with supabase-js and the anon key through the local gateway', async () => {
    await createProduct([allowing], { 'main-store': 3 });
    const page = await appPage();
    await page.addScriptTag({ path: SUPABASE_UMD });
    const result = await page.evaluate(
      async ({ url, key }) => {
        const { createClient } = (globalThis as unknown as { supabase: SupabaseGlobal }).supabase;
        const { data, error } = await createClient(url, key)
          .from('public_inventory')
          .select('product_id')
          .limit(3);
        return { rows: data?.length ?? 0, error: error?.message ?? null };
      },
      { url: stack().supabaseUrl, key: stack().anonKey },
    );
    expect(result).toEqual({ rows: 3, error: null });
    await page.close();
  });
});
