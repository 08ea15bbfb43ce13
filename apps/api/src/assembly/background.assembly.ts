import type { StoreConfig } from '../env.js';
import { Sweeper } from '../inventory/sweeper.js';
import { entryKey, OrderStreamConsumer, STREAMS } from '../queues/order.streams.js';
import { AntiEntropy } from '../sync/anti-entropy.js';
import { bucketOf } from '../sync/bucket.digest.js';
import { ExternalWritesRelay } from '../sync/external-writes.relay.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { Logger } from '../telemetry/logger.js';
import type { StoreMetrics } from '../telemetry/metrics.js';
import { AddressGuard } from '../webhooks/address.guard.js';
import { watchDeliveries } from '../webhooks/delivery.metrics.js';
import { DeliveryWorker } from '../webhooks/delivery.worker.js';
import { WebhookSender } from '../webhooks/webhook.sender.js';
import type { Adapters } from './adapters.assembly.js';
import type { Services } from './services.assembly.js';

/**
 * Work that no request starts: the relay of writes made outside the stores, the order streams,
 * the hold sweeper, the digest check, the webhook deliveries.
 */
export function assembleBackground(
  config: StoreConfig,
  { store, cache, bus, listener, webhooks }: Adapters,
  sync: InventorySync,
  { inventory, orders, reservations, committer }: Services,
  metrics: StoreMetrics,
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
        config.redis,
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
  const antiEntropy = new AntiEntropy(cache, sync, store, {
    intervalMs: config.sync.digestIntervalMs,
    settleMs: Math.max(2 * config.sync.gapGraceMs, 250),
    scrubBuckets: config.sync.digestScrubBuckets,
    // Each instance starts its scrub round elsewhere, so that the stores together cover it sooner.
    scrubFrom: bucketOf(config.store.instanceId),
    log,
  });
  const hooks = config.webhooks;
  const deliveries = hooks.deliver
    ? new DeliveryWorker(
        webhooks,
        new WebhookSender({
          timeoutMs: hooks.timeoutMs,
          maxResponseBytes: 64 * 1024,
          guard: new AddressGuard(hooks.allowPrivate),
        }),
        {
          worker: config.store.instanceId,
          pollMs: hooks.pollMs,
          batch: hooks.batch,
          perKey: hooks.perKey,
          // Outlasts a claim's attempts, which start only while one more would end inside it, so
          // that a live worker never loses its claim.
          leaseSeconds: Math.ceil(hooks.timeoutMs / 1000) * 2 + 5,
          timeoutMs: hooks.timeoutMs,
          disableAfterSeconds: hooks.disableAfterSeconds,
          retry: {
            baseMs: hooks.retryBaseMs,
            maxMs: hooks.retryMaxMs,
            windowMs: hooks.retryWindowSeconds * 1000,
          },
          log,
        },
      )
    : null;
  if (deliveries) watchDeliveries(metrics, deliveries.stats);
  return {
    externalWrites,
    streams,
    deliveries,
    antiEntropy,
    sweeper,
    /** Starts the streams and the timers, once the cache is loaded and the server listens. */
    async start() {
      await streams?.start();
      sweeper.every(config.checkout.reservationSweepMs, () => reservations.sweep());
      sweeper.every(3_600_000, () => store.purgeIdempotencyKeys());
      antiEntropy.start();
      deliveries?.start();
    },
    async stop() {
      await externalWrites.close();
      antiEntropy.stop();
      await deliveries?.stop();
      sweeper.stop();
      await streams?.stop();
    },
  };
}

export type Background = ReturnType<typeof assembleBackground>;
