import { InventoryMessageSchema, type InventoryMessage } from '@stockwire/domain';
import type { UpdateBus, UpdateBusHandlers } from './updates.bus.js';

/** What the channel does to one message on its way to a node. */
type Fault = 'drop' | 'duplicate' | 'delay';

/** A fault for the next message published: for every node, or only for `to`. */
interface PlannedFault {
  fault: Fault;
  to: MemoryUpdateBus | null;
}

/**
 * One in-process channel shared by several {@link MemoryUpdateBus} nodes, as one Redis channel is
 * shared by every store instance: a message published by any node reaches every subscribed and
 * connected node, its publisher included, at once and in order, validated on receipt as the Redis
 * bus validates it (so no node shares an object with another).
 *
 * For tests it can do on demand what pub/sub may do on its own: lose a message, deliver one twice,
 * or deliver one after the message that follows it.
 */
export class MemoryChannel {
  private readonly subscribers = new Set<MemoryUpdateBus>();
  private readonly planned: PlannedFault[] = [];
  /** Messages held back per node until the next one reaches it. */
  private readonly delayed = new Map<MemoryUpdateBus, InventoryMessage[]>();
  /** Every message published, in order, whoever received it. */
  readonly published: InventoryMessage[] = [];

  /** A new node on this channel; it receives messages once it subscribes. */
  node(): MemoryUpdateBus {
    return new MemoryUpdateBus(this);
  }

  /** The next message published is lost, for every node or only for `to`. */
  dropNext(to?: MemoryUpdateBus): void {
    this.planned.push({ fault: 'drop', to: to ?? null });
  }

  /** The next message published is delivered twice, to every node or only to `to`. */
  duplicateNext(to?: MemoryUpdateBus): void {
    this.planned.push({ fault: 'duplicate', to: to ?? null });
  }

  /**
   * The next message published reaches every node (or only `to`) right after the message
   * published after it: the two arrive swapped.
   */
  delayNext(to?: MemoryUpdateBus): void {
    this.planned.push({ fault: 'delay', to: to ?? null });
  }

  /** Publishes as if from outside any node: another service, or a forger. */
  publish(message: InventoryMessage): void {
    this.published.push(message);
    const planned = this.planned.shift();
    for (const node of [...this.subscribers]) {
      if (!node.isConnected()) continue;
      const fault = planned && (planned.to === null || planned.to === node) ? planned.fault : null;
      if (fault === 'drop') continue;
      if (fault === 'delay') {
        this.delayed.set(node, [...(this.delayed.get(node) ?? []), message]);
        continue;
      }
      node.receive(message);
      if (fault === 'duplicate') node.receive(message);
      const late = this.delayed.get(node) ?? [];
      this.delayed.delete(node);
      for (const held of late) node.receive(held);
    }
  }

  /** @internal */
  join(node: MemoryUpdateBus): void {
    this.subscribers.add(node);
  }

  /** @internal */
  leave(node: MemoryUpdateBus): void {
    this.subscribers.delete(node);
    this.delayed.delete(node);
  }
}

/**
 * {@link UpdateBus} on a {@link MemoryChannel}: one store instance's connection to it. While
 * disconnected a node neither publishes (it rejects, as the Redis bus does) nor receives (what is
 * published meanwhile is lost to it); reconnecting tells its subscriber so, as Redis does.
 */
export class MemoryUpdateBus implements UpdateBus {
  private handlers: UpdateBusHandlers | null = null;
  private connected = true;

  constructor(private readonly channel: MemoryChannel) {}

  publish(message: InventoryMessage): Promise<void> {
    if (!this.connected) return Promise.reject(new Error('the memory channel is disconnected'));
    this.channel.publish(message);
    return Promise.resolve();
  }

  subscribe(handlers: UpdateBusHandlers): Promise<void> {
    this.handlers = handlers;
    this.channel.join(this);
    return Promise.resolve();
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Loses the connection: nothing is received or published until {@link reconnect}. */
  disconnect(): void {
    this.connected = false;
  }

  /** Comes back, and tells the subscriber that messages may have been lost meanwhile. */
  reconnect(): void {
    this.connected = true;
    this.handlers?.onReconnect();
  }

  close(): Promise<void> {
    this.channel.leave(this);
    this.handlers = null;
    return Promise.resolve();
  }

  /** @internal A message from the channel, validated as it would be off the wire. */
  receive(message: InventoryMessage): void {
    this.handlers?.onMessage(InventoryMessageSchema.parse(message));
  }
}
