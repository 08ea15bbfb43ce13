import type {
  AlertsPage,
  AlertsQuery,
  EventsPage,
  EventsQuery,
  ProductId,
} from '@stockwire/domain';
import type { InventoryStore } from '../store/inventory.store.js';

/**
 * Reads the stock-movement ledger and the recorded low-stock alerts from the database (they are
 * history, not state: the cache does not hold them). Pages are newest first, cut by row id.
 */
export class HistoryService {
  constructor(
    private readonly store: Pick<InventoryStore, 'listEvents' | 'listAlerts'>,
    /** A product's name, from the cache. */
    private readonly productName: (id: ProductId) => string | undefined,
  ) {}

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
