/**
 * Makes the README's screenshots from two running stores (`npm start`):
 *
 *   npm run screenshots -w @stockwire/api -- http://127.0.0.1:3001 http://127.0.0.1:3002 [admin key]
 *
 * It sells and restocks a little through the public API at both stores, so the dashboard of the
 * first shows movements from both, then photographs that dashboard and the first store's Swagger UI.
 * Its writes go with the admin key given, else with the development admin key of `npm start`.
 */
import { join } from 'node:path';
import type { ProductInventory } from '@stockwire/domain';
import { DEFAULT_DATA_DIR, readStackFile } from '@stockwire/local-stack';
import { launchChromium } from '../test/browser.js';

const [here = 'http://127.0.0.1:3001', there = 'http://127.0.0.1:3002', given] =
  process.argv.slice(2);
const OUT = import.meta.dirname;
const key = given ?? (await readStackFile(DEFAULT_DATA_DIR))?.devKeys?.admin;
if (!key) throw new Error('no API key: pass an admin key after the two store URLs');

async function post(base: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${base}${path}: ${res.status} ${await res.text()}`);
}

async function storeName(base: string): Promise<string> {
  const res = await fetch(`${base}/health`);
  return ((await res.json()) as { store: string }).store;
}

const browser = await launchChromium();
try {
  const [hereName, thereName] = await Promise.all([storeName(here), storeName(there)]);
  const page = await browser.context.newPage();
  await page.goto(here);
  await page.locator('#connection[data-state="live"]').waitFor();

  // A few movements at both stores; one takes a product below its threshold at the other store.
  const { products } = (await (await fetch(`${here}/inventory`)).json()) as {
    products: ProductInventory[];
  };
  const byName = new Map(products.map((p) => [p.name, p]));
  const pick = (name: string) => {
    const product = byName.get(name);
    if (!product) throw new Error(`no product named ${name}: run this against the seeded stores`);
    return product;
  };
  const loafers = pick('Loafers');
  const available = loafers.locations[thereName]?.available ?? 0;
  const moves: [string, string, unknown][] = [
    [there, pick('Sunglasses').product_id, { change: -2, update_type: 'sale' }],
    [here, pick('Mug').product_id, { change: 12, update_type: 'restock' }],
    [there, pick('Watch').product_id, { change: -1, update_type: 'sale' }],
    [here, pick('Hairdryer').product_id, { change: -1, update_type: 'damage' }],
    [here, pick('Tank Top').product_id, { warehouse: thereName, change: 2, update_type: 'return' }],
  ];
  if (available > loafers.low_stock_threshold - 2) {
    const change = -(available - loafers.low_stock_threshold + 2);
    moves.push([there, loafers.product_id, { change, update_type: 'sale' }]);
  }
  for (const [base, id, body] of moves) {
    await post(base, `/inventory/${id}/update`, body);
  }
  await page
    .locator('#feed li')
    .nth(moves.length - 1)
    .waitFor();
  // Let those cells stop flashing, so the picture shows the one that changed last.
  await page.waitForTimeout(2000);
  await post(there, `/inventory/${pick('Candle Holder').product_id}/update`, {
    change: -3,
    update_type: 'sale',
  });
  await page.locator('#feed li').nth(moves.length).waitFor();
  await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });
  console.log(`dashboard of ${hereName}, with movements from ${thereName}: docs/dashboard.png`);

  await page.goto(`${here}/docs`);
  await page.locator('#operations-inventory-getInventory').waitFor();
  await page.screenshot({ path: join(OUT, 'swagger-ui.png'), fullPage: true });

  await page.locator('.auth-wrapper .btn.authorize').click();
  await page.locator('.modal-ux input[aria-label="auth-bearer-value"]').fill(key);
  await page.locator('.modal-ux .btn.modal-btn.auth.authorize').click();
  await page.locator('.modal-ux .btn.modal-btn.auth.btn-done').click();

  const operation = page.locator('#operations-inventory-updateStock');
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.getByRole('button', { name: 'Execute' }).click();
  const live = operation.locator('.live-responses-table .response').first();
  await live.waitFor();
  // From the operation's top to the end of the response it got; the documented responses follow.
  const top = await operation.boundingBox();
  const end = await live.boundingBox();
  if (!top || !end) throw new Error('the operation is not on the page');
  const scrolled = await page.evaluate<number>('window.scrollY');
  // The curl command shows the key: show a placeholder instead.
  await page.evaluate(`{
    const curl = document.querySelector('#operations-inventory-updateStock .curl-command');
    const walker = document.createTreeWalker(curl, NodeFilter.SHOW_TEXT);
    while (walker.nextNode())
      walker.currentNode.nodeValue = walker.currentNode.nodeValue.replaceAll(${JSON.stringify(key)}, '<API key>');
  }`);
  await page.screenshot({
    path: join(OUT, 'swagger-try-it-out.png'),
    fullPage: true,
    clip: {
      x: top.x,
      y: top.y + scrolled,
      width: top.width,
      height: end.y + end.height - top.y + 16,
    },
  });
  console.log('Swagger UI: docs/swagger-ui.png, docs/swagger-try-it-out.png');
} finally {
  await browser.close();
}
