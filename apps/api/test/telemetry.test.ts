import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StoreInstance } from '../src/app.js';
import { createLogger } from '../src/telemetry/logger.js';
import { socketClient, wsClient } from './support/clients.js';
import { ledger } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { parsePrometheusText, sampleValue } from './support/prometheus.js';
import { useStores } from './support/stores.js';

interface LogLine {
  level: number;
  time: string;
  store: string;
  instance_id: string;
  msg: string;
  req?: { id: string; method: string; url: string };
  res?: { status: number };
  [key: string]: unknown;
}

const lines: LogLine[] = [];

// main-store's request log lines are kept in `lines`; downtown-store logs nowhere.
const logged = useStores(['main-store'], {}, (config) =>
  createLogger({
    store: config.store.name,
    instanceId: config.store.instanceId,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  }),
);
const quiet = useStores(['downtown-store']);
const main = () => logged()[0];
const downtown = () => quiet()[0];

async function scrape(store: StoreInstance) {
  const res = await fetch(`${store.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('GET /metrics', () => {
  it("serves valid Prometheus text that counts this instance's requests, writes, messages and clients", async () => {
    const id = await createProduct([main(), downtown()], { 'main-store': 5 });
    const sold = await api(main().url, 'POST', `/inventory/${id}/update`, {
      change: -2,
      update_type: 'sale',
    });
    expect(sold.status).toBe(200);
    const refused = await api(main().url, 'POST', `/inventory/${id}/update`, {
      change: -9,
      update_type: 'sale',
    });
    expect(refused.status).toBe(409);
    expect((await api(main().url, 'GET', '/no/such/route/4711')).status).toBe(404);
    const socket = await socketClient(main().url);
    const ws = await wsClient(main().url);
    try {
      await eventually(async () => {
        const m = await scrape(main());
        return sampleValue(m, 'stockwire_messages_received_total', { type: 'stock_changed' }) === 1;
      });
      const metrics = await scrape(main());
      const value = (name: string, labels: Record<string, string> = {}) =>
        sampleValue(metrics, name, labels);

      expect(metrics.get('stockwire_http_request_duration_seconds')?.type).toBe('histogram');
      const route = '/inventory/:product_id/update';
      expect(
        value('stockwire_http_request_duration_seconds_count', {
          method: 'POST',
          route,
          status: '200',
        }),
      ).toBe(1);
      expect(
        value('stockwire_http_request_duration_seconds_count', {
          method: 'POST',
          route,
          status: '409',
        }),
      ).toBe(1);
      expect(
        value('stockwire_http_request_duration_seconds_count', {
          route: '(unmatched)',
          status: '404',
        }),
      ).toBe(1);
      // Routes are labelled by template, never by URL.
      const routes = metrics
        .get('stockwire_http_request_duration_seconds')!
        .samples.map((s) => s.labels.route);
      expect(routes.some((r) => r?.includes(id) || r?.includes('4711'))).toBe(false);

      expect(value('stockwire_stock_changes_written_total', { update_type: 'sale' })).toBe(1);
      expect(value('stockwire_stock_changes_written_total', { update_type: 'restock' })).toBe(1);
      expect(value('stockwire_stock_changes_refused_total', { code: 'insufficient_stock' })).toBe(
        1,
      );
      expect(value('stockwire_messages_published_total', { type: 'stock_changed' })).toBe(1);
      expect(value('stockwire_messages_published_total', { type: 'product_created' })).toBe(1);
      expect(value('stockwire_messages_received_total', { type: 'product_created' })).toBe(1);
      expect(value('stockwire_pubsub_lag_seconds_count')).toBe(2);
      expect(value('stockwire_connected_clients', { transport: 'socketio' })).toBe(1);
      expect(value('stockwire_connected_clients', { transport: 'ws' })).toBe(1);
      const products = await api<{ total: number }>(main().url, 'GET', '/inventory');
      expect(value('stockwire_cache_products')).toBe(products.body.total);
      expect(value('stockwire_ready')).toBe(1);
      expect(value('stockwire_resyncs_total')).toBeGreaterThanOrEqual(0);
      expect(value('stockwire_invalid_messages_total')).toBe(0);
      // Two changes one after the other: two calls of one change each; no holds.
      const fn = { function: 'apply_stock_changes' };
      expect(value('stockwire_group_commit_calls_total', fn)).toBe(2);
      expect(value('stockwire_group_commit_items_total', fn)).toBe(2);
      expect(value('stockwire_group_commit_calls_total', { function: 'reserve_stock' })).toBe(0);
      expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
      for (const family of metrics.values()) {
        for (const sample of family.samples) expect(sample.labels.store).toBe('main-store');
      }

      // The other store wrote nothing; it only heard.
      await eventually(async () => {
        const m = await scrape(downtown());
        return sampleValue(m, 'stockwire_messages_received_total', { type: 'stock_changed' }) === 1;
      });
      const other = await scrape(downtown());
      expect(
        sampleValue(other, 'stockwire_stock_changes_written_total', { update_type: 'sale' }),
      ).toBe(undefined);
      expect(
        sampleValue(other, 'stockwire_messages_published_total', { type: 'stock_changed' }),
      ).toBe(undefined);
    } finally {
      socket.close();
      ws.close();
    }
  });

  it('is checked by a reader that rejects what Prometheus would reject', () => {
    const valid = '# TYPE a_total counter\na_total{x="1"} 3\n';
    expect(sampleValue(parsePrometheusText(valid), 'a_total', { x: '1' })).toBe(3);
    const broken = [
      '# TYPE a_total counter\na_total{x="1"} 3', // no final newline
      '# TYPE a_total counter\na_total{x="1"} 3\na_total{x="1"} 4\n', // duplicate series
      '# TYPE a_total counter\na_total{x=1} 3\n', // unquoted label value
      '# TYPE a_total counter\na_total three\n', // not a number
      '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n', // family split in two
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
      '# TYPE a counters\na 1\n', // unknown type
    ];
    for (const text of broken) expect(() => parsePrometheusText(text), text).toThrow();
  });
});

describe('structured logs', () => {
  it('logs each request as one JSON line with its request id, which the response and the ledger carry too', async () => {
    const id = await createProduct([main(), downtown()], { 'main-store': 5 });
    const given = await fetch(`${main().url}/inventory/${id}/update`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': `obs-${id}`,
        authorization: `Bearer ${KEYS.staff}`,
      },
      body: JSON.stringify({ change: -1, update_type: 'sale' }),
    });
    expect(given.status).toBe(200);
    expect(given.headers.get('x-request-id')).toBe(`obs-${id}`);
    const generated = await fetch(`${main().url}/inventory/${id}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(KEYS.staff) },
      body: JSON.stringify({ change: 3, update_type: 'restock' }),
    });
    const generatedId = generated.headers.get('x-request-id');
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

    const rows = await ledger(id);
    expect(rows.slice(-2).map((r) => r.request_id)).toEqual([`obs-${id}`, generatedId]);
    await eventually(() => lines.some((l) => l.req?.id === generatedId));
    const line = lines.find((l) => l.req?.id === `obs-${id}`)!;
    expect(line).toMatchObject({
      level: 30,
      store: 'main-store',
      instance_id: main().config.store.instanceId,
      msg: expect.stringMatching(new RegExp(`^POST /inventory/${id}/update 200 \\d+ ms$`)),
      req: { id: `obs-${id}`, method: 'POST', url: `/inventory/${id}/update` },
      res: { status: 200 },
    });
    expect(Date.parse(line.time)).not.toBeNaN();
    expect(JSON.stringify(lines)).not.toContain(KEYS.staff);
  });

  it('writes pretty lines naming the store when asked to', async () => {
    let text = '';
    const logger = createLogger({
      store: 'mall-store',
      instanceId: 'mall-1',
      format: 'pretty',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          text += chunk.toString();
          done();
        },
      }),
    });
    logger.warn({ alert: { kind: 'low_stock' } }, 'LOW STOCK: Mug at mall-store');
    await eventually(() => text.includes('\n'));
    expect(text).toContain('[mall-store] LOW STOCK: Mug at mall-store');
    expect(text).not.toContain('{"level"');
  });
});
