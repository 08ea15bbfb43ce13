import {
  INVENTORY_CHANNEL,
  InventoryMessageSchema,
  type InventoryMessage,
} from '@stockwire/domain';
import { createRedisClient, type RedisClient, type RedisTarget } from '../redis/redis.client.js';
import type { UpdateBus, UpdateBusHandlers } from './updates.bus.js';

/**
 * {@link UpdateBus} on Redis pub/sub, channel `inventory_updates`. A subscriber connection can
 * run nothing else, so publishing uses a second one. On a Redis Cluster the classic PUBLISH is
 * kept: the cluster forwards it to every node, so every store hears it whichever node it
 * subscribed on (README, "Redis Cluster", says why not SPUBLISH).
 */
export class RedisUpdateBus implements UpdateBus {
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  private subscribed = false;
  private handlers: UpdateBusHandlers | null = null;

  constructor(target: RedisTarget) {
    const common = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false };
    // A group-committed batch publishes all its changes in one tick: one write, not one each.
    this.pub = createRedisClient(target, {
      ...common,
      name: 'stockwire-pub',
      enableAutoPipelining: true,
    });
    this.sub = createRedisClient(target, {
      ...common,
      name: 'stockwire-sub',
      enableOfflineQueue: true,
    });
    // Errors surface through publish() and isConnected(); without listeners ioredis would log them.
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
  }

  async publish(message: InventoryMessage): Promise<void> {
    if (this.pub.status === 'wait') await this.pub.connect();
    await this.pub.publish(INVENTORY_CHANNEL, JSON.stringify(message));
  }

  /** Whether Redis answers a PING within `timeoutMs` (connecting first if nothing has yet). */
  async ping(timeoutMs = 1000): Promise<boolean> {
    if (this.pub.status === 'wait') await this.pub.connect().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
    try {
      return await Promise.race([
        this.pub.ping().then(
          () => true,
          () => false,
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Subscribes with `handlers`. If Redis fails it, it may be called again (a store that starts
   * while Redis is away tries until it is back): the handlers of the first call stay.
   */
  async subscribe(handlers: UpdateBusHandlers): Promise<void> {
    if (!this.handlers) this.listen((this.handlers = handlers));
    if (this.pub.status === 'wait') await this.pub.connect();
    if (this.sub.status === 'wait') await this.sub.connect();
    await this.sub.subscribe(INVENTORY_CHANNEL);
    this.subscribed = true;
  }

  private listen(handlers: UpdateBusHandlers): void {
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel !== INVENTORY_CHANNEL) return;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        handlers.onInvalid('not JSON');
        return;
      }
      const parsed = InventoryMessageSchema.safeParse(json);
      if (!parsed.success) {
        handlers.onInvalid(
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
        return;
      }
      handlers.onMessage(parsed.data);
    });
    // ioredis re-subscribes by itself after a reconnect; what was published meanwhile is gone.
    // Subscribing again (harmless) gives the moment the subscription is back: only a reload that
    // starts after it is sure to miss nothing.
    this.sub.on('ready', () => {
      if (!this.subscribed) return;
      this.sub.subscribe(INVENTORY_CHANNEL).then(
        () => handlers.onReconnect(),
        () => {}, // the connection dropped again; the next 'ready' tries again
      );
    });
  }

  isConnected(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub.disconnect();
    return Promise.resolve();
  }
}
