import {
  watches,
  type FeedFilter,
  type InventoryEvent,
  type ProductInventory,
  type ResumeNotice,
  type SnapshotInfo,
  type StockUpdate,
} from '@stockwire/domain';
import type { LiveFeed } from './live.feed.js';

/** A ledger row as a client's `update`, with the product's totals as they stand now. */
function ledgerUpdate(event: InventoryEvent, view: ProductInventory): StockUpdate {
  return {
    product_id: event.product_id,
    warehouse: event.location,
    quantity: event.new_quantity,
    change: event.change,
    reserved_change: 0,
    // What the row has in transit now: the ledger records on hand alone.
    in_transit: view.locations[event.location]?.in_transit ?? 0,
    update_type: event.update_type,
    version: event.version,
    product_version: view.version,
    timestamp: event.created_at,
    total_stock: view.total_stock,
    reserved_stock: view.reserved_stock,
    available_stock: view.available_stock,
    store: event.store,
    event_id: event.event_id,
    order_id: event.order_id,
    reservation_id: event.reservation_id,
    transfer_id: event.transfer_id,
  };
}

/** What a resuming client is sent, in this order, before it joins the live feed. */
export type Resume =
  | { updates: StockUpdate[]; products: ProductInventory[]; notice: ResumeNotice }
  | { snapshot: ProductInventory[]; info: SnapshotInfo };

/**
 * Clients resuming from an `event_id`: while the ledger is read for what they missed, the live
 * updates they watch are kept for them, so that none falls between the read and the live feed.
 */
export class Resumes<C> {
  private readonly waiting = new Map<C, { filter: FeedFilter; kept: StockUpdate[] }>();

  constructor(private readonly feed: LiveFeed) {}

  /** A live update: kept for every resuming client that watches it. */
  offer(update: StockUpdate): void {
    for (const { filter, kept } of this.waiting.values()) {
      if (watches(filter, update.product_id, update.warehouse)) kept.push(update);
    }
  }

  /**
   * What `client` (watching `filter`) missed since ledger row `since`: the ledger's rows after it,
   * then the live updates that came meanwhile and were not among them (each once), then every
   * product they touched as it is now, and every product whose rows with lower ids may have
   * committed after `since` (ids are taken in order, transactions commit in any: the client may
   * not have seen those live, and gets such a product as it stands rather than an update it may
   * have had). Beyond {@link RESUME_MAX_EVENTS} rows, or when the ledger cannot be read, a
   * snapshot saying so. The caller sends it and joins the client to the live feed in the same
   * turn, so nothing comes between.
   */
  async resume(client: C, since: number, filter: FeedFilter): Promise<Resume> {
    this.waiting.set(client, { filter, kept: [] });
    let missed: InventoryEvent[] | null | 'unavailable';
    let late: { product_id: string; location: string }[] = [];
    try {
      [missed, late] = await Promise.all([this.feed.missed(since), this.feed.committedLate(since)]);
    } catch {
      missed = 'unavailable';
    }
    const kept = this.waiting.get(client)?.kept ?? [];
    this.waiting.delete(client);
    if (missed === null || missed === 'unavailable') {
      return {
        snapshot: this.feed.views(filter),
        info: { reason: missed === null ? 'resume_beyond_limit' : 'resume_unavailable' },
      };
    }
    const updates: StockUpdate[] = [];
    const sent = new Set<number>();
    for (const event of missed) {
      const view = this.feed.view(event.product_id, {});
      if (!view || !watches(filter, event.product_id, event.location)) continue;
      updates.push(ledgerUpdate(event, view));
      sent.add(event.event_id);
    }
    for (const update of kept) {
      if (update.event_id === null || !sent.has(update.event_id)) updates.push(update);
    }
    const touched = new Set(updates.map((u) => u.product_id));
    for (const row of late) {
      if (watches(filter, row.product_id, row.location)) touched.add(row.product_id);
    }
    return {
      updates,
      products: [...touched].sort().flatMap((id) => this.feed.view(id, filter) ?? []),
      notice: {
        since,
        last_event_id: Math.max(since, ...sent),
        updates: updates.length,
      },
    };
  }
}
