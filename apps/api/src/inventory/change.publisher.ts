import type { InventoryMessage, StockChangedMessage, StoreName } from '@stockwire/domain';
import type { Effects, ExpiredHold, RowChange } from '../store/inventory.store.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { UpdateBus } from '../sync/updates.bus.js';

/** Tells a client that its hold ran out, wherever the client is connected. */
export interface HoldNotifier {
  reservationExpired(hold: ExpiredHold): void;
}

export interface Origin {
  store: StoreName;
  instanceId: string;
}

/**
 * Where every committed write goes next: into this instance's cache at once (so the store reads
 * its own writes), out on the bus to every other instance, and expired holds to their clients.
 * A failed publish does not undo a write: the database has it, other instances repair by version.
 */
export class ChangePublisher {
  constructor(
    private readonly sync: InventorySync,
    private readonly bus: UpdateBus,
    private readonly notifier: HoldNotifier,
    private readonly origin: Origin,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  publishEffects(effects: Effects, requestId: string | null): void {
    for (const change of effects.changes) this.publish(this.message(change, requestId));
    for (const hold of effects.expired) this.notifier.reservationExpired(hold);
  }

  publish(message: InventoryMessage): void {
    this.sync.accept(message);
    this.bus.publish(message).catch((error: unknown) => this.log('publish failed', error));
  }

  get store(): StoreName {
    return this.origin.store;
  }

  get instanceId(): string {
    return this.origin.instanceId;
  }

  private message(change: RowChange, requestId: string | null): StockChangedMessage {
    return {
      type: 'stock_changed',
      product_id: change.product_id,
      location: change.location,
      on_hand: change.on_hand,
      reserved: change.reserved,
      version: change.version,
      change: change.change,
      reserved_change: change.reserved_change,
      update_type: change.update_type,
      event_id: change.event_id,
      request_id: requestId,
      order_id: change.order_id,
      reservation_id: change.reservation_id,
      updated_at: change.updated_at,
      store: this.origin.store,
      instance_id: this.origin.instanceId,
      timestamp: new Date().toISOString(),
    };
  }
}
