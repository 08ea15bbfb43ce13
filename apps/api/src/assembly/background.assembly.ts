import type { StoreConfig } from '../env.js';
import { Sweeper } from '../inventory/sweeper.js';
import { entryKey, OrderStreamConsumer, STREAMS } from '../queues/order.streams.js';
import { AntiEntropy } from '../sync/anti-entropy.js';
import { ExternalWritesRelay } from '../sync/external-writes.relay.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { Logger } from '../telemetry/logger.js';
import type { Adapters } from './adapters.assembly.js';
import type { Services } from './services.assembly.js';

/**
 * Work that no request starts: the relay of writes made outside the stores, the order streams,
 * the hold sweeper, the digest check.
 */
export function assembleBackground(
  config: StoreConfig,
  { store, cache, bus, listener }: Adapters,
  sync: InventorySync,
  { inventory, orders, reservations, committer }: Services,
  log: Logger,
) {
  const externalWrites = new ExternalWritesRelay(listener, {
    publish: (message) => bus.publish(message),
    message: (change, requestId) => committer.message(change, requestId),
    resync: (reason) => {
      if (sync.isReady()) void sync.resyncAll(reason);
    },
    log,
  });
  const actor = `stream:${STREAMS.orders}`;
  const streams = config.streams.enabled
    ? new OrderStreamConsumer(
        config.redis.url,
        {
          placeOrder: async (order, entryId) =>
            (await orders.place(order, { requestId: `stream:${entryId}`, actor })).value.response,
          createProduct: async (product, entryId) => {
            // Keyed by the entry, so an entry tried again after a lost answer adds one product.
            await inventory.createProduct(product, {
              requestId: `stream:${entryId}`,
              actor,
              idempotency: entryKey(
                STREAMS.newItems,
                entryId,
                product,
                config.checkout.idempotencyTtlSeconds,
              ),
            });
          },
        },
        {
          consumer: config.store.instanceId,
          store: config.store.name,
          claimIdleMs: config.streams.claimIdleMs,
          blockMs: 1000,
        },
        log,
      )
    : null;
  const sweeper = new Sweeper(log);
  const antiEntropy = new AntiEntropy(() => cache.views(), sync, store, {
    intervalMs: config.sync.digestIntervalMs,
    settleMs: Math.max(2 * config.sync.gapGraceMs, 250),
    log,
  });
  return {
    externalWrites,
    streams,
    antiEntropy,
    sweeper,
    /** Starts the streams and the timers, once the cache is loaded and the server listens. */
    async start() {
      await streams?.start();
      sweeper.every(config.checkout.reservationSweepMs, () => reservations.sweep());
      sweeper.every(3_600_000, () => store.purgeIdempotencyKeys());
      antiEntropy.start();
    },
    async stop() {
      await externalWrites.close();
      antiEntropy.stop();
      sweeper.stop();
      await streams?.stop();
    },
  };
}

export type Background = ReturnType<typeof assembleBackground>;
