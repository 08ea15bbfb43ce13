import type { InventoryMessage, StockNotification } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import {
  ExternalWritesRelay,
  type RelayClaims,
  type StockNotificationSource,
} from './external-writes.relay.js';
import type { LedgerEntry, StockListenerHandlers } from './postgres.listener.js';

/** One database's notifications, heard by every source that listens to it. */
class MemoryDatabase {
  readonly listeners: StockListenerHandlers[] = [];
  readonly ledger = new Map<string, LedgerEntry>();

  source(): StockNotificationSource & { drop(): void } {
    let handlers: StockListenerHandlers | null = null;
    return {
      start: (h) => {
        handlers = h;
        this.listeners.push(h);
        h.onListening(false);
        return Promise.resolve();
      },
      isListening: () => handlers !== null,
      ledgerEntry: (p, l, v) => Promise.resolve(this.ledger.get(`${p}|${l}|${v}`) ?? null),
      reconnects: 0,
      /** The connection is lost, then LISTEN is back. */
      drop: () => handlers?.onListening(true),
      close: () => Promise.resolve(),
    };
  }

  notify(n: StockNotification): void {
    for (const l of this.listeners) l.onNotification(n);
  }
}

/** Claims shared by every relay, as Redis shares them. */
function memoryClaims(): RelayClaims {
  const taken = new Set<string>();
  return {
    claim: (key) => {
      const first = !taken.has(key);
      taken.add(key);
      return Promise.resolve(first);
    },
    close: () => Promise.resolve(),
  };
}

const external = (version: number, onHand: number): StockNotification => ({
  product_id: 'P1',
  location: 'main-store',
  on_hand: onHand,
  reserved: 0,
  in_transit: 0,
  version,
  updated_at: '2026-12-01T12:00:00.000000+00:00',
  change: 5,
  reserved_change: 0,
  update_type: 'external',
  event_id: 40 + version,
});

const settle = () => new Promise((r) => setTimeout(r, 0));

function cluster(size: number) {
  const db = new MemoryDatabase();
  const claims = memoryClaims();
  const published: InventoryMessage[] = [];
  const resyncs: string[] = [];
  const sources = Array.from({ length: size }, () => db.source());
  const relays = sources.map(
    (source, i) =>
      new ExternalWritesRelay(
        { source, claims },
        {
          publish: (m) => {
            published.push(m);
            return Promise.resolve();
          },
          message: (change, requestId) => ({
            type: 'stock_changed',
            ...change,
            request_id: requestId,
            store: `store-${i}`,
            instance_id: `i-${i}`,
            timestamp: 'now',
          }),
          resync: (reason) => resyncs.push(reason),
          log: () => {},
        },
      ),
  );
  return { db, published, resyncs, sources, relays };
}

describe('ExternalWritesRelay', () => {
  it('publishes each notification once, however many stores hear it', async () => {
    const c = cluster(3);
    await Promise.all(c.relays.map((r) => r.start()));
    c.db.notify(external(2, 35));
    c.db.notify(external(3, 40));
    await settle();
    expect(c.published.map((m) => m.type === 'stock_changed' && m.version)).toEqual([2, 3]);
    expect(c.published[0]).toMatchObject({
      type: 'stock_changed',
      update_type: 'external',
      store: 'external',
      event_id: 42,
      on_hand: 35,
    });
    const health = c.relays.map((r) => r.health());
    expect(health.reduce((n, h) => n + h.relayed, 0)).toBe(2);
    expect(health.every((h) => h.notifications === 2)).toBe(true);
    expect(c.relays.every((r) => r.mode() === 'listen')).toBe(true);
  });

  it("tells a function's write by its ledger row: type, store and request", async () => {
    const c = cluster(1);
    await c.relays[0]!.start();
    c.db.ledger.set('P1|main-store|7', {
      event_id: 90,
      update_type: 'sale',
      store: 'warehouse-app',
      request_id: 'svc-1',
      order_id: null,
      reservation_id: null,
      transfer_id: null,
    });
    c.db.notify({ ...external(7, 27), change: -3, update_type: null, event_id: null });
    // A change to holds alone has no ledger row.
    c.db.notify({
      ...external(8, 27),
      change: 0,
      reserved_change: 2,
      update_type: null,
      event_id: null,
    });
    await settle();
    expect(c.published).toMatchObject([
      { update_type: 'sale', store: 'warehouse-app', request_id: 'svc-1', event_id: 90 },
      { update_type: 'reserve', store: 'external', request_id: null, event_id: null },
    ]);
  });

  it('resyncs when LISTEN comes back after a lost connection, not when it first starts', async () => {
    const c = cluster(2);
    await Promise.all(c.relays.map((r) => r.start()));
    expect(c.resyncs).toEqual([]);
    c.sources[1]!.drop();
    expect(c.resyncs).toEqual(['the database listener reconnected']);
  });

  it('says digest mode without a database to listen to, and relays nothing', async () => {
    const relay = new ExternalWritesRelay(null, {
      publish: () => Promise.reject(new Error('never')),
      message: () => {
        throw new Error('never');
      },
      resync: () => {},
      log: () => {},
    });
    await relay.start();
    expect(relay.mode()).toBe('digest');
    expect(relay.health()).toMatchObject({ configured: false, listening: false, relayed: 0 });
  });
});
