import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { launchChromium, type Browser } from './browser.js';
import { api, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { startStores, useStores } from './support/stores.js';

/** A shop floor opens its store by host name, over plain HTTP. */
const HOST = 'till-3.store.test';

const stores = useStores(['main-store', 'downtown-store'], {
  access: { dashboardApiKey: KEYS.staff },
});
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium({ hostNames: [HOST] });
});
afterAll(async () => {
  await browser?.close();
});

/** The store's URL under the host name instead of 127.0.0.1. */
const byName = (store: StoreInstance, path = '/') =>
  `http://${HOST}:${new URL(store.url).port}${path}`;

/** A tab that records every request the page made that failed, and what the console reported. */
async function watchedPage(): Promise<{ page: Page; failed: string[]; console: string[] }> {
  const page = await browser.context.newPage();
  const failed: string[] = [];
  const messages: string[] = [];
  page.on('requestfailed', (request) =>
    failed.push(`${request.url()}: ${request.failure()?.errorText}`),
  );
  page.on('console', (message) => messages.push(message.text()));
  return { page, failed, console: messages };
}

describe('a store opened by host name over plain HTTP', () => {
  it('serves a dashboard that goes live and shows a sale made at another store', async () => {
    const [main, downtown] = stores();
    const id = await createProduct(stores(), { 'main-store': 12 });
    const { page, failed, console } = await watchedPage();
    await page.goto(byName(main));
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
    const onHand = page.locator(
      `tr[data-product="${id}"] td[data-location="main-store"] [data-field="on_hand"]`,
    );
    await expect.poll(() => onHand.textContent(), { timeout: 10_000 }).toBe('12');

    const sale = await api(downtown.url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'main-store',
      change: -3,
      update_type: 'sale',
    });
    expect(sale.status).toBe(200);
    await expect.poll(() => onHand.textContent(), { timeout: 10_000 }).toBe('9');
    expect(failed).toEqual([]);
    expect(console.filter((m) => /Content Security Policy|ERR_SSL/i.test(m))).toEqual([]);
    await page.close();
  });

  it('serves /docs: Swagger UI renders the store’s document', async () => {
    const [main] = stores();
    const { page, failed } = await watchedPage();
    await page.goto(byName(main, '/docs'));
    await expect
      .poll(() => page.locator('.swagger-ui .info .title').textContent(), { timeout: 10_000 })
      .toContain('Stockwire');
    expect(failed).toEqual([]);
    await page.close();
  });
});

describe('security headers', () => {
  const policy = async (store: StoreInstance) => {
    const res = await fetch(`${store.url}/`);
    return {
      csp: res.headers.get('content-security-policy') ?? '',
      hsts: res.headers.get('strict-transport-security'),
    };
  };

  it('leave out upgrade-insecure-requests and HSTS while the store is reached over HTTP', async () => {
    const { csp, hsts } = await policy(stores()[0]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(hsts).toBeNull();
  });

  it('send both when the store is told it is reached over HTTPS only (HTTPS_ONLY)', async () => {
    const [secure] = await startStores(['secure-store'], { http: { httpsOnly: true } });
    try {
      const { csp, hsts } = await policy(secure!);
      expect(csp).toContain('upgrade-insecure-requests');
      expect(hsts).toMatch(/^max-age=\d+/);
    } finally {
      await secure?.close();
    }
  });
});

describe('a store whose reads need a credential (READS_PUBLIC=false)', () => {
  it('keeps its pages reachable and its API closed', async () => {
    const [closed] = await startStores(['closed-store'], { access: { readsPublic: false } });
    try {
      for (const path of ['/', '/docs', '/openapi.json', '/dashboard/dashboard.js']) {
        expect((await fetch(`${closed!.url}${path}`)).status, path).toBe(200);
      }
      expect((await fetch(`${closed!.url}/inventory`)).status).toBe(401);
    } finally {
      await closed?.close();
    }
  });

  it('serves a dashboard that reads and goes live with the store’s key', async () => {
    const [closed] = await startStores(['closed-store'], {
      access: { readsPublic: false, dashboardApiKey: KEYS.staff },
    });
    try {
      const id = await createProduct(stores(), { 'main-store': 6 });
      const { page, failed } = await watchedPage();
      await page.goto(byName(closed!));
      await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
      await page.locator(`tr[data-product="${id}"]`).waitFor({ timeout: 10_000 });
      expect(failed).toEqual([]);
      await page.close();
    } finally {
      await closed?.close();
    }
  });

  it('asks for a key when it has none, and goes live once one is given', async () => {
    const [closed] = await startStores(['closed-store'], { access: { readsPublic: false } });
    try {
      const id = await createProduct(stores(), { 'main-store': 6 });
      const { page } = await watchedPage();
      await page.goto(byName(closed!));
      await page.locator('#connection[data-state="locked"]').waitFor({ timeout: 10_000 });
      await expect(page.locator('#credential').isVisible()).resolves.toBe(true);
      await expect(page.locator(`tr[data-product="${id}"]`).count()).resolves.toBe(0);
      await page.locator('#api-key').fill(KEYS.staff);
      await page.locator('#credential button[type="submit"]').click();
      await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
      await page.locator(`tr[data-product="${id}"]`).waitFor({ timeout: 10_000 });
      await page.close();
    } finally {
      await closed?.close();
    }
  });
});
