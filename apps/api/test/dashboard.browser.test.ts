import { join } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { launchChromium, SCREENSHOTS, type Browser } from './browser.js';
import { ledger, stockRow } from './support/database.js';
import { api, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { startReceiver } from './support/receiver.js';
import { startStores, useStores } from './support/stores.js';

// The dashboards sell and restock with a staff key, as `npm start` sets them up.
const stores = useStores(['main-store', 'downtown-store'], {
  access: { dashboardApiKey: KEYS.staff },
});
const main = () => stores()[0];
const downtown = () => stores()[1];
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const WAIT = { timeout: 10_000, interval: 25 };

/** What the page's Content-Security-Policy refused, as the browser reports it. */
const cspViolations = new WeakMap<Page, string[]>();

/** A new tab that records what the Content-Security-Policy (helmet's default) refuses. */
async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  const refused: string[] = [];
  cspViolations.set(page, refused);
  page.on('console', (message: ConsoleMessage) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  return page;
}

/** Closes a tab, checking that the Content-Security-Policy let everything the page wanted run. */
async function close(...pages: Page[]): Promise<void> {
  for (const page of pages) {
    expect(cspViolations.get(page)).toEqual([]);
    await page.close();
  }
}

/** Opens a store's dashboard and waits until it is live and shows the product. */
async function dashboard(store: StoreInstance, productId: string): Promise<Page> {
  const page = await newPage();
  await page.goto(store.url);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.locator(`tr[data-product="${productId}"]`).waitFor();
  return page;
}

const cell = (page: Page, productId: string, location: string) =>
  page.locator(`tr[data-product="${productId}"] td[data-location="${location}"]`);

const field = (page: Page, productId: string, location: string, name: string) =>
  cell(page, productId, location).locator(`[data-field="${name}"]`).textContent();

describe('the live dashboard', () => {
  it("shows a sale made on one store's dashboard live on another's", async () => {
    const id = await createProduct(stores(), { 'main-store': 30, 'downtown-store': 8 });
    const [atMain, atDowntown] = await Promise.all([
      dashboard(main(), id),
      dashboard(downtown(), id),
    ]);

    await expect(atDowntown.locator('#store').textContent()).resolves.toBe('downtown-store');
    await expect(atMain.locator('#store').textContent()).resolves.toBe('main-store');
    expect(await field(atDowntown, id, 'main-store', 'on_hand')).toBe('30');

    await cell(atMain, id, 'main-store').getByRole('button', { name: 'Sell 1' }).click();

    await expect.poll(() => field(atDowntown, id, 'main-store', 'on_hand'), WAIT).toBe('29');
    expect(await field(atDowntown, id, 'main-store', 'available')).toBe('29');
    expect(await field(atDowntown, id, 'main-store', 'reserved')).toBe('0');
    expect(await field(atDowntown, id, '*', 'available')).toBe('37');
    await expect(cell(atDowntown, id, 'main-store').getAttribute('class')).resolves.toMatch(
      /\bflash-down\b/,
    );
    await expect(cell(atDowntown, id, 'downtown-store').getAttribute('class')).resolves.not.toMatch(
      /flash/,
    );
    const entry = atDowntown.locator('#feed li').first();
    await expect(entry.getAttribute('data-type')).resolves.toBe('sale');
    await expect(entry.getAttribute('data-store')).resolves.toBe('main-store');
    await expect(entry.textContent()).resolves.toContain(`−1 Test ${id} at main-store (30 → 29)`);
    await atDowntown.screenshot({ path: join(SCREENSHOTS, 'dashboard-live.png'), fullPage: true });

    // The click made exactly one sale, at main-store, by main-store: nothing else moved.
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 29, version: 2 });
    expect(await stockRow(id, 'downtown-store')).toMatchObject({ on_hand: 8, version: 1 });
    const sales = (await ledger(id)).filter((e) => e.update_type === 'sale');
    expect(sales).toEqual([
      expect.objectContaining({ location: 'main-store', change: -1, store: 'main-store' }),
    ]);
    await close(atMain, atDowntown);
  });

  it('shows changes made through the API at another store, with their origin', async () => {
    const id = await createProduct(stores(), { 'main-store': 20 });
    const atMain = await dashboard(main(), id);

    const res = await api(downtown().url, 'POST', `/inventory/${id}/update`, {
      warehouse: 'main-store',
      change: 5,
      update_type: 'return',
    });
    expect(res.status).toBe(200);

    await expect.poll(() => field(atMain, id, 'main-store', 'on_hand'), WAIT).toBe('25');
    await expect(cell(atMain, id, 'main-store').getAttribute('class')).resolves.toMatch(
      /\bflash-up\b/,
    );
    const entry = atMain.locator('#feed li').first();
    await expect(entry.getAttribute('data-type')).resolves.toBe('return');
    await expect(entry.locator('.by').textContent()).resolves.toBe('by downtown-store');
    await close(atMain);
  });

  it('highlights low and sold-out stock, and restocking clears it', async () => {
    const id = await createProduct(stores(), { 'main-store': 10, 'downtown-store': 1 });
    const page = await dashboard(downtown(), id);
    const classOf = (location: string) => cell(page, id, location).getAttribute('class');

    // The threshold is 10: 10 available is not low yet, 9 is.
    expect(await classOf('main-store')).not.toMatch(/\blow\b/);
    await cell(page, id, 'main-store').getByRole('button', { name: 'Sell 1' }).click();
    await expect.poll(() => classOf('main-store'), WAIT).toMatch(/\blow\b/);

    await cell(page, id, 'downtown-store').getByRole('button', { name: 'Sell 1' }).click();
    await expect.poll(() => classOf('downtown-store'), WAIT).toMatch(/\bout\b/);
    await expect(
      cell(page, id, 'downtown-store').getByRole('button', { name: 'Sell 1' }).isDisabled(),
    ).resolves.toBe(true);

    await cell(page, id, 'downtown-store').getByRole('button', { name: 'Restock 10' }).click();
    await expect.poll(() => field(page, id, 'downtown-store', 'available'), WAIT).toBe('10');
    expect(await classOf('downtown-store')).not.toMatch(/\b(low|out)\b/);

    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 9 });
    expect(await stockRow(id, 'downtown-store')).toMatchObject({ on_hand: 10, version: 3 });
    await close(page);
  });

  it('takes its columns from the locations, live, warehouses and inactive ones marked', async () => {
    const shut = `shut-${Date.now().toString(36)}`;
    expect((await api(main().url, 'POST', '/locations', { id: shut, name: 'Shut' })).status).toBe(
      201,
    );
    const id = await createProduct(stores(), { 'main-store': 2, [shut]: 4 });
    expect((await api(main().url, 'PATCH', `/locations/${shut}`, { active: false })).status).toBe(
      200,
    );
    const page = await dashboard(main(), id);
    const header = (loc: string) =>
      page.locator('thead th').filter({ hasText: loc }).first().textContent();
    // The warehouse holds none of this product, yet is a column, as GET /locations lists it.
    await expect.poll(() => header('central-warehouse'), WAIT).toContain('warehouse');
    await expect.poll(() => header(shut), WAIT).toContain('inactive');
    await expect(
      cell(page, id, 'central-warehouse').getByRole('button', { name: 'Restock 10' }).isEnabled(),
    ).resolves.toBe(true);
    await expect(
      cell(page, id, shut).getByRole('button', { name: 'Restock 10' }).isDisabled(),
    ).resolves.toBe(true);
    // A location added at another store while the page is open becomes a column at once.
    const opened = `new-${Date.now().toString(36)}`;
    expect(
      (await api(downtown().url, 'POST', '/locations', { id: opened, name: 'New' })).status,
    ).toBe(201);
    await expect.poll(() => cell(page, id, opened).count(), WAIT).toBe(1);
    await close(page);
  });

  it('shows a transfer as it moves: in transit at its destination, then received', async () => {
    const id = await createProduct(stores(), { 'central-warehouse': 30, 'downtown-store': 2 });
    const atMain = await dashboard(main(), id);
    const transfer_id = `dash-${id}`;
    const sent = await api(downtown().url, 'POST', '/transfers', {
      transfer_id,
      from: 'central-warehouse',
      to: 'downtown-store',
      lines: [{ product_id: id, quantity: 12 }],
    });
    expect(sent.status).toBe(201);

    await expect.poll(() => field(atMain, id, 'downtown-store', 'in_transit'), WAIT).toBe('12');
    expect(await field(atMain, id, 'downtown-store', 'on_hand')).toBe('2');
    expect(await field(atMain, id, 'central-warehouse', 'on_hand')).toBe('18');
    expect(await field(atMain, id, '*', 'in_transit')).toBe('12');
    const item = atMain.locator(`#transfers li[data-transfer="${transfer_id}"]`);
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('in_transit');
    await expect(item.textContent()).resolves.toContain(
      `central-warehouse → downtown-store: 12 × Test ${id}`,
    );
    await expect(item.textContent()).resolves.toContain('12 still in transit');
    const out = atMain.locator('#feed li').first();
    await expect(out.getAttribute('data-type')).resolves.toBe('transfer_out');

    const part = await api(main().url, 'POST', `/transfers/${transfer_id}/receive`, {
      lines: [{ product_id: id, quantity: 5 }],
    });
    expect(part.status).toBe(200);
    await expect.poll(() => field(atMain, id, 'downtown-store', 'on_hand'), WAIT).toBe('7');
    expect(await field(atMain, id, 'downtown-store', 'in_transit')).toBe('7');
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('partially_received');

    expect((await api(main().url, 'POST', `/transfers/${transfer_id}/receive`)).status).toBe(200);
    await expect.poll(() => field(atMain, id, 'downtown-store', 'on_hand'), WAIT).toBe('14');
    await expect.poll(() => item.getAttribute('data-status'), WAIT).toBe('received');
    // Nothing is in transit any more: the cell no longer says so.
    await expect(
      cell(atMain, id, 'downtown-store').locator('[data-field="in_transit"]').count(),
    ).resolves.toBe(0);
    expect(await stockRow(id, 'downtown-store')).toMatchObject({ on_hand: 14 });
    await close(atMain);
  });

  it('says when it loses its store', async () => {
    const [extra] = await startStores(['airport-store']);
    const id = await createProduct([...stores(), extra!], { 'airport-store': 3 });
    const page = await dashboard(extra!, id);
    await expect(page.locator('#connection .label').textContent()).resolves.toBe('live');

    await extra!.close();

    await expect
      .poll(() => page.locator('#connection').getAttribute('data-state'), WAIT)
      .toMatch(/^(offline|reconnecting)$/);
    await page.close();
  });

  it('asks for a key instead of writing without one, and writes with the key given', async () => {
    // Another main-store instance, without DASHBOARD_API_KEY.
    const [keyless] = await startStores(['main-store']);
    try {
      const id = await createProduct([...stores(), keyless!], { 'main-store': 5 });
      const page = await dashboard(keyless!, id);
      const writes: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/inventory/')) writes.push(`${r.method()} ${r.url()}`);
      });
      const sell = cell(page, id, 'main-store').getByRole('button', { name: 'Sell 1' });
      const restock = cell(page, id, 'main-store').getByRole('button', { name: 'Restock 10' });

      await expect(page.locator('#credential').isVisible()).resolves.toBe(true);
      await expect(page.locator('#credential label').textContent()).resolves.toContain('API key');
      for (const button of [sell, restock]) {
        await expect(button.isDisabled()).resolves.toBe(true);
        await expect(button.getAttribute('title')).resolves.toContain('need an API key');
        await button.click({ force: true });
      }
      expect(writes).toEqual([]);

      // A key that does not hold is refused, said so, and dropped: the page asks again.
      await page.locator('#api-key').fill('not-a-key');
      await page.getByRole('button', { name: 'Use key' }).click();
      await sell.click();
      await expect.poll(() => page.locator('#toast').textContent(), WAIT).toContain('unauthorized');
      await expect.poll(() => page.locator('#credential').isVisible(), WAIT).toBe(true);
      await expect(sell.isDisabled()).resolves.toBe(true);
      expect(writes).toHaveLength(1);
      expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 5, version: 1 });

      // A staff key sells, and the tab keeps it across a reload.
      await page.locator('#api-key').fill(KEYS.staff);
      await page.getByRole('button', { name: 'Use key' }).click();
      await expect(page.locator('#credential').isVisible()).resolves.toBe(false);
      await sell.click();
      await expect.poll(() => field(page, id, 'main-store', 'on_hand'), WAIT).toBe('4');
      await page.reload();
      await page.locator(`tr[data-product="${id}"]`).waitFor();
      await expect(sell.isDisabled()).resolves.toBe(false);
      await expect(page.locator('#forget-key').isVisible()).resolves.toBe(true);
      await page.locator('#forget-key').click();
      await expect(sell.isDisabled()).resolves.toBe(true);

      expect(writes).toHaveLength(2);
      expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 4, version: 2 });
      const sales = (await ledger(id)).filter((e) => e.update_type === 'sale');
      expect(sales).toEqual([expect.objectContaining({ change: -1, store: 'main-store' })]);
      await close(page);
    } finally {
      await keyless!.close();
    }
  });

  it('lists the webhook endpoints and how the last delivery to each went, for an admin key only', async () => {
    // A main-store instance without a dashboard key, which delivers webhooks.
    const [admin] = await startStores(['main-store'], { webhooks: { deliver: true } });
    const shop = await startReceiver();
    const erp = await startReceiver(() => ({ status: 500, body: 'down for maintenance' }));
    const made: string[] = [];
    try {
      const id = await createProduct([...stores(), admin!], { 'main-store': 5 });
      for (const [url, description] of [
        [shop.url, 'shop front'],
        [erp.url, 'erp'],
      ] as const) {
        const res = await api<{ id: string }>(admin!.url, 'POST', '/webhooks', {
          url,
          events: ['stock.changed'],
          products: [id],
          description,
        });
        expect(res.status).toBe(201);
        made.push(res.body.id);
      }
      const [shopHook, erpHook] = made as [string, string];
      const sold = await api(admin!.url, 'POST', `/inventory/${id}/update`, {
        warehouse: 'main-store',
        change: -1,
        update_type: 'sale',
      });
      expect(sold.status).toBe(200);

      const page = await dashboard(admin!, id);
      await expect
        .poll(() => page.locator('#webhooks-note').textContent(), WAIT)
        .toBe('Webhook endpoints are listed with an admin key.');
      await expect(page.locator('#webhooks').isVisible()).resolves.toBe(false);
      // Its user gives an admin key.
      await page.locator('#api-key').fill(KEYS.admin);
      await page.getByRole('button', { name: 'Use key' }).click();
      const hook = (hookId: string) => page.locator(`#webhooks tr[data-webhook="${hookId}"]`);
      await expect
        .poll(() => hook(shopHook).locator('.delivery').getAttribute('data-state'), WAIT)
        .toBe('delivered');
      await expect(hook(shopHook).textContent()).resolves.toContain(shop.url);
      await expect(hook(shopHook).textContent()).resolves.toContain('shop front');
      await expect(hook(shopHook).locator('.events').textContent()).resolves.toBe('stock.changed');
      // The receiver that fails keeps its delivery pending, retried, with what it answered.
      await expect
        .poll(() => hook(erpHook).locator('.delivery').textContent(), WAIT)
        .toContain('HTTP 500');
      await expect(hook(erpHook).locator('.delivery').getAttribute('data-state')).resolves.toBe(
        'pending',
      );
      expect(shop.received).toHaveLength(1);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-webhooks.png'), fullPage: true });

      await expect(page.locator('#webhooks-note').isVisible()).resolves.toBe(false);
      // A dashboard with a staff key says in a line that the list needs an admin key; lists none.
      const atStaff = await dashboard(main(), id);
      await expect
        .poll(() => atStaff.locator('#webhooks-note').textContent(), WAIT)
        .toBe('Webhook endpoints are listed with an admin key; this key is not one.');
      await expect(atStaff.locator('#webhooks').isVisible()).resolves.toBe(false);
      await expect(atStaff.locator('#webhooks tr[data-webhook]').count()).resolves.toBe(0);
      await expect(atStaff.locator('#connection').getAttribute('data-state')).resolves.toBe('live');
      await close(page, atStaff);
    } finally {
      for (const hookId of made) await api(admin!.url, 'DELETE', `/webhooks/${hookId}`);
      await admin!.close();
      await Promise.all([shop.stop(), erp.stop()]);
    }
  });
});

/** Opens an operation of the store's Swagger UI and fills in `productId` to try it out. */
async function tryItOut(page: Page, operationId: string, productId: string) {
  const operation = page.locator(`#operations-inventory-${operationId}`);
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.locator('tr[data-param-name="product_id"] input').fill(productId);
  return operation;
}

describe('Swagger UI', () => {
  it('runs "Try it out" against the store that serves it', async () => {
    const id = await createProduct(stores(), { 'main-store': 7 });
    const page = await newPage();
    await page.goto(`${main().url}/docs`);

    const operation = await tryItOut(page, 'getInventory', id);
    await operation.getByRole('button', { name: 'Execute' }).click();

    const response = operation.locator('.live-responses-table .response');
    await response.first().waitFor();
    await expect(response.first().locator('.response-col_status').textContent()).resolves.toContain(
      '200',
    );
    await expect(
      response.first().locator('.response-col_description').textContent(),
    ).resolves.toContain(`"product_id": "${id}"`);
    await expect(operation.locator('.request-url').textContent()).resolves.toContain(
      `${main().url}/inventory/${id}`,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'swagger-ui.png') });
    await close(page);
  });

  it('sends writes with the key given to Authorize, and refuses them without', async () => {
    const id = await createProduct(stores(), { 'main-store': 7 });
    const page = await newPage();
    await page.goto(`${main().url}/docs`);

    const operation = await tryItOut(page, 'updateStock', id);
    const status = operation.locator('.live-responses-table .response .response-col_status');
    const curl = operation.locator('.curl-command');

    // The body is the first example: sell 2 here.
    await operation.getByRole('button', { name: 'Execute' }).click();
    await expect.poll(() => status.first().textContent(), WAIT).toContain('401');
    await expect(curl.textContent()).resolves.not.toContain('Authorization');
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 7, version: 1 });
    await operation.getByRole('button', { name: 'Clear' }).click();

    await page.locator('.auth-wrapper .btn.authorize').click();
    const dialog = page.locator('.modal-ux');
    await expect(dialog.textContent()).resolves.toContain('app_metadata.stockwire_role');
    await dialog.locator('input[aria-label="auth-bearer-value"]').fill(KEYS.staff);
    await dialog.locator('.btn.modal-btn.auth.authorize').click();
    await dialog.locator('.btn.modal-btn.auth.btn-done').click();

    await operation.getByRole('button', { name: 'Execute' }).click();
    await expect.poll(() => status.first().textContent(), WAIT).toContain('200');
    await expect(curl.textContent()).resolves.toContain(`Authorization: Bearer ${KEYS.staff}`);
    expect(await stockRow(id, 'main-store')).toMatchObject({ on_hand: 5, version: 2 });
    await close(page);
  });

  it('sends reads with the key given to Authorize, for a store that keeps reads private', async () => {
    const [closed] = await startStores(['closed-store'], { access: { readsPublic: false } });
    try {
      const id = await createProduct(stores(), { 'main-store': 7 });
      const page = await newPage();
      await page.goto(`${closed!.url}/docs`);
      const operation = await tryItOut(page, 'getInventory', id);
      const status = operation.locator('.live-responses-table .response .response-col_status');
      await operation.getByRole('button', { name: 'Execute' }).click();
      await expect.poll(() => status.first().textContent(), WAIT).toContain('401');
      await operation.getByRole('button', { name: 'Clear' }).click();

      await page.locator('.auth-wrapper .btn.authorize').click();
      const dialog = page.locator('.modal-ux');
      await dialog.locator('input[aria-label="auth-bearer-value"]').fill(KEYS.staff);
      await dialog.locator('.btn.modal-btn.auth.authorize').click();
      await dialog.locator('.btn.modal-btn.auth.btn-done').click();

      await operation.getByRole('button', { name: 'Execute' }).click();
      await expect.poll(() => status.first().textContent(), WAIT).toContain('200');
      await close(page);
    } finally {
      await closed?.close();
    }
  });
});
