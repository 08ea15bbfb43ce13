import { decorate } from '../decorate.js';
import type { UpdateBus } from '../sync/updates.bus.js';
import type { StoreMetrics } from './metrics.js';

/**
 * The bus, counting what it publishes and fails to publish, what it receives and how long
 * messages take to arrive. Wrap the bus that talks to Redis, so a failure is counted where it
 * happens, even when an outbox around it holds the message for a retry.
 */
export function meteredBus<B extends UpdateBus>(bus: B, metrics: StoreMetrics): B {
  return decorate(bus, {
    publish: async (message: Parameters<UpdateBus['publish']>[0]) => {
      try {
        await bus.publish(message);
        metrics.messagesPublished.inc({ type: message.type });
      } catch (error) {
        metrics.publishFailures.inc({ type: message.type });
        throw error;
      }
    },
    subscribe: (handlers: Parameters<UpdateBus['subscribe']>[0]) =>
      bus.subscribe({
        ...handlers,
        onMessage: (message) => {
          metrics.messagesReceived.inc({ type: message.type });
          const lag = (Date.now() - Date.parse(message.timestamp)) / 1000;
          if (Number.isFinite(lag)) metrics.pubsubLag.observe(Math.max(0, lag));
          handlers.onMessage(message);
        },
      }),
  });
}
