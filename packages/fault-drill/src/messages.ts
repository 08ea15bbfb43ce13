import {
  INVENTORY_CHANNEL,
  type InventoryMessage,
  type ProductCreatedMessage,
  type StockChangedMessage,
} from '@stockwire/domain';
import { Redis } from 'ioredis';
import { withClient } from '@stockwire/local-stack';

/**
 * A client of the cluster's Redis that hears everything on `inventory_updates` and can publish
 * anything there: duplicates, old versions, versions from nowhere, garbage.
 */
export class BusTap {
  /** Every raw message heard since opening, in order. */
  readonly heard: string[] = [];

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
  ) {}

  static async open(redisUrl: string): Promise<BusTap> {
    const pub = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const sub = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    pub.on('error', () => {});
    sub.on('error', () => {});
    await pub.connect();
    await sub.connect();
    const tap = new BusTap(pub, sub);
    sub.on('message', (channel: string, raw: string) => {
      if (channel === INVENTORY_CHANNEL) tap.heard.push(raw);
    });
    await sub.subscribe(INVENTORY_CHANNEL);
    return tap;
  }

  /** The stock changes heard about one product, parsed, in the order heard. */
  changesOf(productId: string): StockChangedMessage[] {
    return this.heard
      .map((raw) => JSON.parse(raw) as InventoryMessage)
      .filter(
        (m): m is StockChangedMessage => m.type === 'stock_changed' && m.product_id === productId,
      );
  }

  async publish(message: InventoryMessage | string): Promise<void> {
    await this.pub.publish(
      INVENTORY_CHANNEL,
      typeof message === 'string' ? message : JSON.stringify(message),
    );
  }

  close(): void {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

/** A stock change no store made: `version` and `on_hand` as given, the rest plausible. */
export function forgedChange(
  productId: string,
  location: string,
  version: number,
  onHand: number,
): StockChangedMessage {
  const now = new Date().toISOString();
  return {
    type: 'stock_changed',
    product_id: productId,
    location,
    on_hand: onHand,
    reserved: 0,
    in_transit: 0,
    version,
    change: -1,
    update_type: 'sale',
    reserved_change: 0,
    event_id: 2_000_000_000,
    request_id: null,
    order_id: null,
    reservation_id: null,
    transfer_id: null,
    updated_at: now,
    store: location,
    instance_id: 'forger',
    timestamp: now,
  };
}

/** A product no store created and the database does not have. */
export function forgedProduct(productId: string, location: string): ProductCreatedMessage {
  const now = new Date().toISOString();
  return {
    type: 'product_created',
    product: { id: productId, name: 'Phantom', description: '', low_stock_threshold: 0 },
    levels: [{ location, on_hand: 42, reserved: 0, in_transit: 0, version: 1, updated_at: now }],
    store: location,
    instance_id: 'forger',
    timestamp: now,
  };
}

/**
 * Commits a stock change straight into the database, as a store would, without publishing it:
 * to the other stores, exactly a lost message. It calls as a store does, naming itself in the
 * header PostgREST would hand on (`request.headers`), so the database does not announce it either.
 */
export async function changeSilently(
  databaseUrl: string,
  productId: string,
  location: string,
  change: number,
): Promise<void> {
  await withClient(databaseUrl, async (db) => {
    await db.query('begin');
    await db.query(`select set_config('request.headers', $1, true)`, [
      JSON.stringify({ 'x-stockwire-store': 'drill' }),
    ]);
    await db.query('select public.apply_stock_changes($1::jsonb)', [
      JSON.stringify([
        { product_id: productId, location, change, update_type: 'adjustment', store: 'drill' },
      ]),
    ]);
    await db.query('commit');
  });
}

/** The version of one stock row in the database. */
export async function rowVersion(
  databaseUrl: string,
  productId: string,
  location: string,
): Promise<number> {
  const { rows } = await withClient(databaseUrl, (db) =>
    db.query<{ version: string }>(
      'select version from public.stock_levels where product_id = $1 and location = $2',
      [productId, location],
    ),
  );
  if (!rows[0]) throw new Error(`no stock row for ${productId} at ${location}`);
  return Number(rows[0].version);
}
