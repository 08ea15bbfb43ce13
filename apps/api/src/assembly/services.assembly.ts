import type { StoreConfig } from '../env.js';
import { HistoryService } from '../history/history.service.js';
import { CountService } from '../inventory/count.service.js';
import { InventoryService } from '../inventory/inventory.service.js';
import { LocationService } from '../inventory/location.service.js';
import { OrderService } from '../inventory/order.service.js';
import { ReorderService } from '../inventory/reorder.service.js';
import { ReservationService } from '../inventory/reservation.service.js';
import { TransferService } from '../inventory/transfer.service.js';
import { WriteCommitter } from '../inventory/write.committer.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { Logger } from '../telemetry/logger.js';
import type { StoreMetrics } from '../telemetry/metrics.js';
import { AddressGuard } from '../webhooks/address.guard.js';
import { WebhookService } from '../webhooks/webhook.service.js';
import type { Adapters } from './adapters.assembly.js';
import type { Realtime } from './realtime.assembly.js';

/** The use cases, over the ports; every write ends in the one {@link WriteCommitter}. */
export function assembleServices(
  config: StoreConfig,
  { store, bus, cache, locations, transfers, webhooks }: Adapters,
  sync: InventorySync,
  { sockets }: Realtime,
  metrics: StoreMetrics,
  log: Logger,
) {
  const origin = { store: config.store.name, instanceId: config.store.instanceId };
  const committer = new WriteCommitter(sync, bus, sockets, origin, metrics, log);
  const inventory = new InventoryService(store, cache, committer);
  return {
    committer,
    inventory,
    reorders: new ReorderService(store, cache, inventory, committer),
    reservations: new ReservationService(store, committer, {
      defaultTtlSeconds: config.checkout.reservationTtlSeconds,
    }),
    orders: new OrderService(store, committer),
    counts: new CountService(store, committer),
    transfers: new TransferService(transfers, committer),
    locations: new LocationService(store, locations, committer),
    webhooks: new WebhookService(webhooks, new AddressGuard(config.webhooks.allowPrivate)),
    history: new HistoryService(
      store,
      (id) => cache.view(id)?.name,
      () => cache.generation,
      () => sync.isStale(),
    ),
  };
}

export type Services = ReturnType<typeof assembleServices>;
