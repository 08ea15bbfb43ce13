import type { InventoryStore } from '../store/inventory.store.js';
import type { UpdateBus } from '../sync/updates.bus.js';
import type { StoreMetrics } from './metrics.js';

/*
 * Metering wraps the adapters instead of living in them: the wrapper inherits every method of
 * the adapter through its prototype and overrides only what it counts, so methods added to a
 * port later pass through untouched.
 */

/** The store, counting the changes it writes and the ones the database refuses. */
export function meteredStore<S extends InventoryStore>(store: S, metrics: StoreMetrics): S {
  const metered = Object.create(store) as S;
  metered.applyChanges = async (changes) => {
    const results = await store.applyChanges(changes);
    for (const result of results) {
      if (result.ok) metrics.changesWritten.inc({ update_type: result.update_type });
      else metrics.changesRefused.inc({ code: result.code });
    }
    return results;
  };
  metered.createProduct = async (input) => {
    const result = await store.createProduct(input);
    // Initial stock is written to the ledger as restocks.
    if (result.ok) {
      const stocked = result.levels.filter((l) => l.on_hand > 0).length;
      if (stocked > 0) metrics.changesWritten.inc({ update_type: 'restock' }, stocked);
    }
    return result;
  };
  return metered;
}

/** The bus, counting what it publishes and receives and how long messages take to arrive. */
export function meteredBus<B extends UpdateBus>(bus: B, metrics: StoreMetrics): B {
  const metered = Object.create(bus) as B;
  metered.publish = async (message) => {
    try {
      await bus.publish(message);
      metrics.messagesPublished.inc({ type: message.type });
    } catch (error) {
      metrics.publishFailures.inc({ type: message.type });
      throw error;
    }
  };
  metered.subscribe = (handlers) =>
    bus.subscribe({
      ...handlers,
      onMessage: (message) => {
        metrics.messagesReceived.inc({ type: message.type });
        const lag = (Date.now() - Date.parse(message.timestamp)) / 1000;
        if (Number.isFinite(lag)) metrics.pubsubLag.observe(Math.max(0, lag));
        handlers.onMessage(message);
      },
    });
  return metered;
}
