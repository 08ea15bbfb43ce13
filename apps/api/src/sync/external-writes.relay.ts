import {
  LocationSchema,
  MovementTypeSchema,
  type InventoryMessage,
  type MovementType,
  type StockChangedMessage,
  type StockNotification,
  type StoreName,
} from '@stockwire/domain';
import type { RowChange } from '../store/inventory.store.js';
import type { LedgerEntry, StockListenerHandlers } from './postgres.listener.js';

/** What announces stock writes that no store published: the database's `stock_changes`. */
export interface StockNotificationSource {
  start(handlers: StockListenerHandlers): Promise<void>;
  isListening(): boolean;
  ledgerEntry(productId: string, location: string, version: number): Promise<LedgerEntry | null>;
  readonly reconnects: number;
  close(): Promise<void>;
}

/** One claim per key across all instances (see `RedisClaims`). */
export interface RelayClaims {
  claim(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A direct database connection to listen on, and the claims that make each relay one. */
export interface ListenerLink {
  source: StockNotificationSource;
  claims: RelayClaims;
}

/**
 * How this store learns of writes made outside the stores: `listen` while it listens to the
 * database's notifications, `digest` when it has no direct connection (or lost it), and the
 * periodic digest check is what finds them.
 */
export type ExternalWritesMode = 'listen' | 'digest';

/** What the relay reports on `GET /health`. */
export interface ListenerHealth {
  /** Whether a direct database connection (`DATABASE_URL`) is configured. */
  configured: boolean;
  listening: boolean;
  /** Notifications received (every listening store receives each one). */
  notifications: number;
  /** Notifications this store claimed and published on Redis. */
  relayed: number;
  /** Notifications that failed validation. */
  invalid: number;
  /** Notifications claimed that could not be published (Redis or the database away). */
  failures: number;
  /** Times LISTEN was established again, each followed by a resync. */
  reconnects: number;
}

export interface RelayDeps {
  /** Sends a message to every instance, this one included (the outbox: never rejects). */
  publish(message: InventoryMessage): Promise<void>;
  /** The message this instance sends of a row change (the one every write is published as). */
  message(change: RowChange, requestId: string | null): StockChangedMessage;
  /** Reloads the cache: notifications were missed while LISTEN was away. */
  resync(reason: string): void;
  log: (message: string, error?: unknown) => void;
}

/** How long a relayed notification's claim is kept: longer than any store takes to see it. */
const CLAIM_TTL_MS = 60_000;

/** The ledger's store, where it is a name a message may carry; else `external`. */
const storeOf = (entry: LedgerEntry | null): StoreName =>
  entry && LocationSchema.safeParse(entry.store).success ? entry.store : 'external';

/** A change to holds alone has no ledger row: it placed holds or let them go. */
function movementOf(n: StockNotification, entry: LedgerEntry | null): MovementType {
  if (n.update_type) return n.update_type;
  const ledgered = MovementTypeSchema.safeParse(entry?.update_type);
  if (ledgered.success) return ledgered.data;
  return n.reserved_change > 0 ? 'reserve' : 'release';
}

/**
 * Relays the database's notifications of stock writes that no store published (an `UPDATE` in
 * psql, another service's rpc) to Redis, as the `stock_changed` message every store applies like
 * any other change. Every listening store receives each notification; the one that claims it
 * first (a Redis `SET NX` on the row's key and version) publishes it, so it is relayed once
 * however many stores listen, and still relayed while any one of them does. Nothing here is the
 * truth: a notification lost (no store listening, the claimer dying before it publishes) is
 * covered by versions (the next change reveals the gap) and by the digest, and every new LISTEN
 * after a lost connection resyncs the cache.
 */
export class ExternalWritesRelay {
  private notifications = 0;
  private relayed = 0;
  private invalid = 0;
  private failures = 0;

  /** @param link the database to listen to; null: none is configured (digest mode). */
  constructor(
    private readonly link: ListenerLink | null,
    private readonly deps: RelayDeps,
  ) {}

  /** Listens, if a direct connection is configured; resolves after the first attempt. */
  async start(): Promise<void> {
    const link = this.link;
    await link?.source.start({
      onNotification: (n) => void this.relay(link, n),
      onListening: (again) => {
        if (again) this.deps.resync('the database listener reconnected');
      },
      onInvalid: (reason) => {
        this.invalid++;
        this.deps.log(`dropped an invalid notification on stock_changes (${reason})`);
      },
    });
  }

  mode(): ExternalWritesMode {
    return this.link?.source.isListening() ? 'listen' : 'digest';
  }

  private async relay({ source, claims }: ListenerLink, n: StockNotification): Promise<void> {
    this.notifications++;
    const key = `stockwire:relayed:${n.product_id}:${n.location}:${n.version}:${n.updated_at}`;
    try {
      if (!(await claims.claim(key, CLAIM_TTL_MS))) return;
      const entry =
        n.update_type === null
          ? await source.ledgerEntry(n.product_id, n.location, n.version)
          : null;
      await this.deps.publish(this.message(n, entry));
      this.relayed++;
    } catch (error) {
      this.failures++;
      this.deps.log(`could not relay a change of ${n.product_id} at ${n.location}`, error);
    }
  }

  /**
   * The notification as the message a store publishes, with its ledger row's details. A batch of
   * another service that changed one row several times wrote it once, several versions on: the
   * stores see the gap and reload the product, as for any message that skips versions.
   */
  private message(n: StockNotification, entry: LedgerEntry | null): StockChangedMessage {
    const change: RowChange = {
      ...n,
      update_type: movementOf(n, entry),
      event_id: n.event_id ?? entry?.event_id ?? null,
      order_id: entry?.order_id ?? null,
      reservation_id: entry?.reservation_id ?? null,
      transfer_id: entry?.transfer_id ?? null,
    };
    return { ...this.deps.message(change, entry?.request_id ?? null), store: storeOf(entry) };
  }

  health(): ListenerHealth {
    return {
      configured: this.link !== null,
      listening: this.link?.source.isListening() ?? false,
      notifications: this.notifications,
      relayed: this.relayed,
      invalid: this.invalid,
      failures: this.failures,
      reconnects: this.link?.source.reconnects ?? 0,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.link?.source.close(), this.link?.claims.close()]);
  }
}
