import type { Effects, Idempotent, InventoryStore } from '../store/inventory.store.js';
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
  const written = (effects: Effects) => {
    for (const change of effects.changes)
      metrics.changesWritten.inc({ update_type: change.update_type });
  };
  const settled = <T extends Effects & { ok: boolean; code?: string }>(answer: Idempotent<T>) => {
    // A replay wrote nothing now; a reused key reached no write at all.
    if ('mismatch' in answer || answer.replayed) return;
    written(answer.result);
    if (!answer.result.ok) metrics.changesRefused.inc({ code: answer.result.code ?? 'refused' });
  };
  metered.applyChanges = async (changes) => {
    const answers = await store.applyChanges(changes);
    answers.forEach(settled);
    return answers;
  };
  metered.reserve = async (holds) => {
    const answers = await store.reserve(holds);
    answers.forEach(settled);
    return answers;
  };
  metered.finishReservation = async (request) => {
    const answer = await store.finishReservation(request);
    settled(answer);
    return answer;
  };
  metered.placeOrder = async (order) => {
    const answer = await store.placeOrder(order);
    settled(answer);
    return answer;
  };
  metered.expireReservations = async (maxRows, storeName) => {
    const effects = await store.expireReservations(maxRows, storeName);
    written(effects);
    return effects;
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
