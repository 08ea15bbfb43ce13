import {
  INVENTORY_CHANNEL,
  InventoryMessageSchema,
  type InventoryMessage,
} from '@stockwire/domain';
import {
  createRedisClient,
  isCluster,
  type RedisClient,
  type RedisTarget,
} from '../redis/redis.client.js';
import type { UpdateBus, UpdateBusHandlers } from './updates.bus.js';

/** How soon a refused re-subscription is tried again. */
const RESUBSCRIBE_RETRY_MS = 250;

/**
 * {@link UpdateBus} on Redis pub/sub, channel `inventory_updates`. A subscriber connection can
 * run nothing else, so publishing uses a second one. On a Redis Cluster the channel is a shard
 * channel (SPUBLISH/SSUBSCRIBE): it goes to the shard that owns its slot rather than through
 * every node of the cluster, which measured at half the Redis CPU and a fraction of the latency
 * (README, "Redis Cluster"); every store subscribes there, and follows it when it moves.
 */
export class RedisUpdateBus implements UpdateBus {
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  private readonly sharded: boolean;
  private subscribed = false;
  private closed = false;
  private handlers: UpdateBusHandlers | null = null;

  constructor(target: RedisTarget) {
    this.sharded = isCluster(target);
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
      shardedSubscribers: this.sharded,
    });
    // Errors surface through publish() and isConnected(); without listeners ioredis would log them.
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
  }

  async publish(message: InventoryMessage): Promise<void> {
    if (this.pub.status === 'wait') await this.pub.connect();
    const raw = JSON.stringify(message);
    await (this.sharded
      ? this.pub.spublish(INVENTORY_CHANNEL, raw)
      : this.pub.publish(INVENTORY_CHANNEL, raw));
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
    await this.listenOn();
    this.subscribed = true;
  }

  private listenOn(): Promise<unknown> {
    return this.sharded
      ? this.sub.ssubscribe(INVENTORY_CHANNEL)
      : this.sub.subscribe(INVENTORY_CHANNEL);
  }

  private listen(handlers: UpdateBusHandlers): void {
    this.sub.on(this.sharded ? 'smessage' : 'message', (channel: string, raw: string) => {
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
    // starts after it is sure to miss nothing. On a cluster that moment follows a change of the
    // shards' subscribers (a failover, a reshard): `subscribersReady`.
    this.sub.on(this.sharded ? 'subscribersReady' : 'ready', () => this.resubscribe(handlers));
  }

  /**
   * Subscribes again and then reloads. A subscription refused meanwhile (the connection dropped
   * again, a shard still moving) is tried again shortly: no later event is sure to come.
   */
  private resubscribe(handlers: UpdateBusHandlers): void {
    if (!this.subscribed || this.closed) return;
    this.listenOn().then(
      () => handlers.onReconnect(),
      () => setTimeout(() => this.resubscribe(handlers), RESUBSCRIBE_RETRY_MS).unref(),
    );
  }

  isConnected(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pub.disconnect();
    this.sub.disconnect();
    return Promise.resolve();
  }
}
