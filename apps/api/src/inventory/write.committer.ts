import {
  ERROR_CODES,
  StockwireError,
  type InventoryMessage,
  type StockChangedMessage,
  type StoreName,
} from '@stockwire/domain';
import type { Effects, ExpiredHold, Idempotent, RowChange } from '../store/inventory.store.js';
import type { InventorySync } from '../sync/inventory.sync.js';
import type { UpdateBus } from '../sync/updates.bus.js';
import type { Logger } from '../telemetry/logger.js';
import type { StoreMetrics } from '../telemetry/metrics.js';

/** Tells a client that its hold ran out, wherever the client is connected. */
export interface HoldNotifier {
  reservationExpired(hold: ExpiredHold): void;
}

export interface Origin {
  store: StoreName;
  instanceId: string;
}

/** A write's answer once committed: its result, and whether it replays an earlier request. */
export interface Committed<T> {
  result: T;
  replayed: boolean;
  /** The response kept for the key, to send verbatim; null for a first request. */
  response: { status: number; body: unknown } | null;
}

type Written = Effects & { ok: boolean; code?: string };
type Refused<T> = Extract<T, { ok: false }>;

/**
 * The one tail of every write, whichever use case made it: a reused idempotency key refused; what
 * the database wrote counted, put into this instance's cache at once (so the store reads its own
 * writes), sent on the bus to every other instance, and expired holds told to their clients. A
 * failed publish does not undo a write: the database has it, other instances repair by version.
 */
export class WriteCommitter {
  constructor(
    private readonly sync: InventorySync,
    private readonly bus: UpdateBus,
    private readonly notifier: HoldNotifier,
    private readonly origin: Origin,
    private readonly metrics: StoreMetrics,
    private readonly log: Logger,
  ) {}

  /**
   * Commits the store's answer to a write made with an optional idempotency key; a refused write
   * (which wrote nothing) is then thrown as `refuse` makes it, when given.
   */
  commit<T extends Written>(answer: Idempotent<T>, requestId: string): Committed<T>;
  commit<T extends Written>(
    answer: Idempotent<T>,
    requestId: string,
    refuse: (refused: Refused<T>) => Error,
  ): Committed<Exclude<T, { ok: false }>>;
  commit<T extends Written>(
    answer: Idempotent<T>,
    requestId: string,
    refuse?: (refused: Refused<T>) => Error,
  ): Committed<T> {
    const { result, replayed, response } = this.settle(answer);
    if (!replayed) {
      this.effects(result, requestId);
      if (!result.ok) this.metrics.changesRefused.inc({ code: result.code ?? 'refused' });
    } else {
      // A replay wrote nothing now and was counted the first time; it is published again all the
      // same, since the first request may have lost its answer before publishing (a row that
      // has moved on since ignores it by version).
      for (const change of result.changes) this.publish(this.message(change, requestId));
    }
    if (refuse && !result.ok) throw refuse(result as Refused<T>);
    return { result, replayed, response };
  }

  /**
   * The answer of any write made with an optional idempotency key, once it is known to be one: a
   * lost answer is thrown as its error, a reused key as `idempotency_key_reused`.
   */
  settle<T>(answer: Idempotent<T>): Committed<T> {
    if ('lost' in answer) throw answer.lost;
    if ('mismatch' in answer) {
      throw new StockwireError(
        ERROR_CODES.IDEMPOTENCY_KEY_REUSED,
        'This Idempotency-Key was already used with a different request',
        { field: 'Idempotency-Key' },
      );
    }
    return answer;
  }

  /** Counts and publishes what a write did to stock. */
  effects(effects: Effects, requestId: string | null): void {
    for (const change of effects.changes) {
      this.metrics.changesWritten.inc({ update_type: change.update_type });
      this.announce(this.message(change, requestId));
    }
    for (const hold of effects.expired) this.notifier.reservationExpired(hold);
  }

  /** Applies a message here and sends it to every other instance. */
  announce(message: InventoryMessage): void {
    if (message.type === 'product_created') {
      // Initial stock is written to the ledger as restocks.
      const stocked = message.levels.filter((l) => l.on_hand > 0).length;
      if (stocked > 0) this.metrics.changesWritten.inc({ update_type: 'restock' }, stocked);
    }
    this.publish(message);
  }

  /** {@link announce} without counting: for what was written earlier, and counted then. */
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

  /** The envelope of a message this instance sends. */
  envelope(): { store: StoreName; instance_id: string; timestamp: string } {
    return {
      store: this.origin.store,
      instance_id: this.origin.instanceId,
      timestamp: new Date().toISOString(),
    };
  }

  /** The message this instance sends of a row change. */
  message(change: RowChange, requestId: string | null): StockChangedMessage {
    return {
      type: 'stock_changed',
      product_id: change.product_id,
      location: change.location,
      on_hand: change.on_hand,
      reserved: change.reserved,
      in_transit: change.in_transit,
      version: change.version,
      change: change.change,
      reserved_change: change.reserved_change,
      update_type: change.update_type,
      event_id: change.event_id,
      request_id: requestId,
      order_id: change.order_id,
      reservation_id: change.reservation_id,
      transfer_id: change.transfer_id,
      updated_at: change.updated_at,
      ...(change.in_transit !== undefined && { in_transit: change.in_transit }),
      ...(change.reorder_point !== undefined && { reorder_point: change.reorder_point }),
      ...(change.reorder_quantity !== undefined && { reorder_quantity: change.reorder_quantity }),
      ...this.envelope(),
    };
  }
}
