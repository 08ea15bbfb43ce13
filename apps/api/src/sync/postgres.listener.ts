import {
  STOCK_NOTIFY_CHANNEL,
  StockNotificationSchema,
  type StockNotification,
} from '@stockwire/domain';
import pg from 'pg';

export interface StockListenerHandlers {
  /** A validated notification on `stock_changes`. */
  onNotification(notification: StockNotification): void;
  /**
   * LISTEN is in place. `again` when it follows a lost connection or a failed first attempt:
   * notifications sent meanwhile are gone, so the caller resyncs.
   */
  onListening(again: boolean): void;
  /** A notification that failed validation arrived, and was dropped. */
  onInvalid(reason: string): void;
}

/** The ledger row a function wrote with a stock row's version. */
export interface LedgerEntry {
  event_id: number;
  update_type: string;
  store: string;
  request_id: string | null;
  order_id: string | null;
  reservation_id: string | null;
  transfer_id: string | null;
}

export interface PostgresListenerOptions {
  /** What the connection is called in `pg_stat_activity`. */
  applicationName: string;
  /**
   * How often the connection is checked with a query, in milliseconds, so that one that died
   * without a word (a half-open TCP connection) is found and replaced.
   * @default 5000
   */
  heartbeatMs?: number;
  log: (message: string, error?: unknown) => void;
}

/** Back off from 100 ms up to 2 s between attempts. */
const retryDelay = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2000);

/**
 * LISTEN on a direct Postgres connection (`DATABASE_URL`), channel `stock_changes`: what the
 * database announces of stock writes no store published. A lost connection is replaced, with
 * backoff, for as long as the listener runs; each new LISTEN is reported, so the caller can
 * resync for what it missed. The same connection reads the ledger row a notification refers to.
 */
export class PostgresStockListener {
  private client: pg.Client | null = null;
  private handlers: StockListenerHandlers | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  private attempts = 0;
  /** Times LISTEN was established again after the first time. */
  reconnects = 0;

  constructor(
    private readonly url: string,
    private readonly options: PostgresListenerOptions,
  ) {}

  /** Connects and listens; resolves after the first attempt, and keeps trying if it failed. */
  async start(handlers: StockListenerHandlers): Promise<void> {
    this.handlers = handlers;
    await this.connect();
  }

  isListening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const attempt = this.attempts++;
    const client = new pg.Client({
      connectionString: this.url,
      application_name: this.options.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: 5000,
      // A query (heartbeat or ledger read) that hangs this long fails, and the heartbeat's ends it.
      query_timeout: this.options.heartbeatMs ?? 5000,
    });
    client.on('notification', (n) => {
      if (n.channel === STOCK_NOTIFY_CHANNEL) this.receive(n.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${STOCK_NOTIFY_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      if (attempt === 0 || this.attempts % 30 === 0) {
        this.options.log(
          'cannot listen on the database yet; external writes wait for the digest',
          error,
        );
      }
      this.retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.attempts = 1;
    this.beat(client);
    const again = attempt > 0;
    if (again) {
      this.reconnects++;
      this.options.log(`listening on ${STOCK_NOTIFY_CHANNEL} again; resyncing`);
    }
    this.handlers?.onListening(again);
  }

  private receive(payload: string | undefined): void {
    let json: unknown;
    try {
      json = JSON.parse(payload ?? '');
    } catch {
      this.handlers?.onInvalid('not JSON');
      return;
    }
    const parsed = StockNotificationSchema.safeParse(json);
    if (!parsed.success) {
      this.handlers?.onInvalid(
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
      return;
    }
    this.handlers?.onNotification(parsed.data);
  }

  /** Checks the connection now and then; a query that fails or hangs ends it. */
  private beat(client: pg.Client): void {
    const every = this.options.heartbeatMs ?? 5000;
    this.heartbeat = setTimeout(() => {
      client.query('select 1').then(
        () => {
          if (this.client === client) this.beat(client);
        },
        () => {
          this.lost(client);
          void client.end().catch(() => {});
        },
      );
    }, every);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.heartbeat) clearTimeout(this.heartbeat);
    client.removeAllListeners('notification');
    if (this.closed) return;
    this.options.log('lost the database listener connection; reconnecting');
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, retryDelay(this.attempts));
    this.retryTimer.unref();
  }

  /** The ledger row written with `version` of the stock row, if any. */
  async ledgerEntry(
    productId: string,
    location: string,
    version: number,
  ): Promise<LedgerEntry | null> {
    const client = this.client;
    if (!client) throw new Error('not connected to the database');
    const { rows } = await client.query<Omit<LedgerEntry, 'event_id'> & { id: string }>(
      `select id, update_type, store, request_id, order_id, reservation_id::text, transfer_id
         from public.inventory_events
        where product_id = $1 and location = $2 and version = $3
        order by id desc
        limit 1`,
      [productId, location, version],
    );
    const row = rows[0];
    if (!row) return null;
    const { id, ...entry } = row;
    return { ...entry, event_id: Number(id) };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeat) clearTimeout(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
