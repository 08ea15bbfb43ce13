import { performance } from 'node:perf_hooks';
import type { WsMessage } from '@stockwire/domain';
import WebSocket from 'ws';
import { Latencies } from '../lib/latency.js';
import { fmt, ms } from '../lib/report.js';
import { say, type BenchContext, type PhaseResult } from './context.js';

/** How long one change may take to show before it counts as never seen. */
const GIVE_UP_MS = 5000;

/** A `/ws` client of one store, which can wait for the update of a row to a version. */
async function watcher(url: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  let waiting: { key: string; version: number; resolve: () => void } | null = null;
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as WsMessage;
    if (message.type !== 'update' || !waiting) return;
    const u = message.data;
    if (`${u.product_id}|${u.warehouse}` === waiting.key && u.version >= waiting.version) {
      waiting.resolve();
      waiting = null;
    }
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    /** Resolves when the store announces `key` at `version` or later; rejects after GIVE_UP_MS. */
    seen: (key: string, version: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${key}@${version} not seen`)), GIVE_UP_MS);
        waiting = {
          key,
          version,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      }),
    close: () => ws.close(),
  };
}

/**
 * Changes made outside the stores: a direct SQL `UPDATE` of a stock row, one at a time, timed from
 * the moment it is sent until a `/ws` client of every store has the new version (the trigger's
 * pg_notify, a store's relay to Redis, every store's cache and feed). Each change is one more unit,
 * counted as accepted for the ledger check; the database ledgers it as `external`.
 */
export async function external(ctx: BenchContext): Promise<PhaseResult> {
  say('external writes');
  const { stores, db, products, accepted, quick, target } = ctx;
  const count = quick ? 20 : 100;
  const product = products[products.length - 1]!;
  const location = 'downtown-store';
  const key = `${product}|${location}`;
  const watchers = await Promise.all(stores.map((s) => watcher(s.url)));
  const latencies = new Latencies();
  let missed = 0;
  let applied = 0;
  try {
    for (let i = 0; i < count; i++) {
      // The version the trigger gives is the row's next; known before the write, as nothing else
      // writes this row during the phase.
      const { rows } = await db.query<{ version: string }>(
        'select version + 1 as version from public.stock_levels where product_id = $1 and location = $2',
        [product, location],
      );
      const version = Number(rows[0]!.version);
      const seen = Promise.all(watchers.map((w) => w.seen(key, version)));
      const t0 = performance.now();
      await db.query(
        'update public.stock_levels set on_hand = on_hand + 1 where product_id = $1 and location = $2',
        [product, location],
      );
      applied++;
      try {
        await seen;
        latencies.add(performance.now() - t0);
      } catch {
        missed++;
      }
    }
  } finally {
    for (const w of watchers) w.close();
    accepted.record({ accepted: { [key]: { count: applied, sum: applied } } });
  }
  const l = latencies.summary();
  return {
    figures: [
      {
        section: 'External writes',
        label: `p50 direct SQL UPDATE → update on /ws at all three stores (${fmt(count)} changes)`,
        value: l.p50,
        unit: 'ms',
        detail: `mean ${ms(l.mean)}, max ${ms(l.max)}${missed ? `; ${missed} never seen` : ''}`,
      },
      {
        section: 'External writes',
        label: 'p99',
        value: l.p99,
        unit: 'ms',
        target: target('≤ 100 ms', l.p99 <= 100, 100),
      },
    ],
    checks: { 'external writes never seen at every store': missed },
  };
}
