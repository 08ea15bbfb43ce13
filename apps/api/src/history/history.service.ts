import type {
  AlertsPage,
  AlertsQuery,
  EventsPage,
  EventsQuery,
  ProductId,
} from '@stockwire/domain';
import { GenerationMemo } from '../inventory/generation.memo.js';
import type { InventoryStore } from '../store/inventory.store.js';

/**
 * Reads the stock-movement ledger and the recorded low-stock alerts from the database (they are
 * history, not state: the cache does not hold them). Pages are newest first, cut by row id.
 *
 * Every ledger row and alert comes with a change to stock, which reaches this instance's cache, so
 * a page read from the database holds until the cache next changes: until then the same query is
 * answered with the same bytes, read once however many clients ask.
 */
export class HistoryService {
  private readonly pages: GenerationMemo<Buffer>;

  constructor(
    private readonly store: Pick<InventoryStore, 'listEvents' | 'listAlerts'>,
    /** A product's name, from the cache. */
    private readonly productName: (id: ProductId) => string | undefined,
    /** The cache's generation: it moves with every change the instance hears of. */
    generation: () => number,
    /** Whether the instance may be missing changes (Redis down): then every read goes to the database. */
    private readonly stale: () => boolean,
  ) {
    this.pages = new GenerationMemo(generation);
  }

  /** A page of the ledger, as JSON. */
  eventsPage(query: EventsQuery): Buffer | Promise<Buffer> {
    return this.page(`events ${JSON.stringify(query)}`, () => this.events(query));
  }

  /** A page of the recorded alerts, as JSON. */
  alertsPage(query: AlertsQuery): Buffer | Promise<Buffer> {
    return this.page(`alerts ${JSON.stringify(query)}`, () => this.alerts(query));
  }

  private page(key: string, read: () => Promise<unknown>): Buffer | Promise<Buffer> {
    const encode = async () => Buffer.from(JSON.stringify(await read()));
    return this.stale() ? encode() : this.pages.get(key, encode);
  }

  async events(query: EventsQuery): Promise<EventsPage> {
    const { limit, ...filter } = query;
    // One row more than asked tells whether another page follows.
    const rows = await this.store.listEvents(filter, limit + 1);
    const events = rows.slice(0, limit);
    return {
      events,
      next_cursor: rows.length > limit ? events.at(-1)!.event_id : null,
    };
  }

  async alerts(query: AlertsQuery): Promise<AlertsPage> {
    const { limit, ...filter } = query;
    const rows = await this.store.listAlerts(filter, limit + 1);
    const names = new Map<ProductId, string>();
    const nameOf = (id: ProductId) => {
      let name = names.get(id);
      if (name === undefined) names.set(id, (name = this.productName(id) ?? id));
      return name;
    };
    const alerts = rows.slice(0, limit).map((row) => ({ ...row, name: nameOf(row.product_id) }));
    return {
      alerts,
      next_cursor: rows.length > limit ? alerts.at(-1)!.alert_id : null,
    };
  }
}
