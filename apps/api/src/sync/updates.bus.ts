import type { InventoryMessage } from '@stockwire/domain';

export interface UpdateBusHandlers {
  /** A validated message from any instance, this one included. */
  onMessage(message: InventoryMessage): void;
  /** The subscription was re-established: messages sent meanwhile may be lost. */
  onReconnect(): void;
  /** A message that failed validation arrived, and was dropped. */
  onInvalid(reason: string): void;
}

/** Fan-out of committed changes between instances. At-most-once: versions repair the rest. */
export interface UpdateBus {
  publish(message: InventoryMessage): Promise<void>;
  /** Subscribes; resolves once subscribed, so nothing published afterwards is missed. */
  subscribe(handlers: UpdateBusHandlers): Promise<void>;
  isConnected(): boolean;
  close(): Promise<void>;
}
