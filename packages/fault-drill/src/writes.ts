import { randomUUID } from 'node:crypto';
import { withClient } from '@stockwire/local-stack';
import { AUTHORIZATION } from './credentials.js';

/** One attempted stock change and what the store answered. */
export interface WriteRecord {
  store: string;
  productId: string;
  change: number;
  requestId: string;
  /** HTTP status, or `'no answer'` when the connection failed. */
  status: number | 'no answer';
  /** The error code of a refused write. */
  code?: string;
}

/** Sends one stock change (a sale of 1 or a restock of 1) at the store's own location. */
export async function write(
  store: { name: string; url: string },
  productId: string,
  change: 1 | -1,
): Promise<WriteRecord> {
  const requestId = `drill-${randomUUID()}`;
  const record: WriteRecord = {
    store: store.name,
    productId,
    change,
    requestId,
    status: 'no answer',
  };
  try {
    const res = await fetch(`${store.url}/inventory/${productId}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...AUTHORIZATION },
      body: JSON.stringify({ change, update_type: change < 0 ? 'sale' : 'restock' }),
      signal: AbortSignal.timeout(15_000),
    });
    record.status = res.status;
    const body = (await res.json()) as { error?: { code?: string } };
    if (body.error?.code) record.code = body.error.code;
  } catch {
    // The store is down or died mid-request: whether it committed is for the ledger to say.
  }
  return record;
}

/** A stream of writes running at several stores at once, one request at a time per store. */
export interface WriteStream {
  /** Records so far. */
  readonly records: readonly WriteRecord[];
  /** Stops after the writes in flight and returns every record. */
  stop(): Promise<WriteRecord[]>;
}

/**
 * Keeps selling and restocking one unit at a time, alternately, at each store's own location,
 * spread over `productIds`, with `pauseMs` between a store's writes.
 */
export function startWrites(
  stores: ReadonlyArray<{ name: string; url: string }>,
  productIds: readonly string[],
  pauseMs = 20,
): WriteStream {
  const records: WriteRecord[] = [];
  let running = true;
  const loops = stores.map(async (store, s) => {
    for (let i = 0; running; i++) {
      const productId = productIds[(i + s) % productIds.length]!;
      records.push(await write(store, productId, i % 2 === 0 ? -1 : 1));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}

/** The ledger rows of the given request ids: how many times each was recorded. */
export async function ledgerCounts(
  databaseUrl: string,
  requestIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await withClient(databaseUrl, (db) =>
    db.query<{ request_id: string; n: string }>(
      `select request_id, count(*) as n from public.inventory_events
        where request_id = any($1::text[]) group by request_id`,
      [requestIds],
    ),
  );
  return new Map(rows.map((r) => [r.request_id, Number(r.n)]));
}

/** What the ledger says about a stream of writes. */
export interface WriteAudit {
  attempted: number;
  /** Answered 200. */
  acknowledged: number;
  /** Answered 200 but missing from the ledger (or in it twice): must be 0. */
  lost: number;
  /** Got no answer (store killed) but committed anyway; legitimate, and counted in the stock. */
  committedUnanswered: number;
  /** Refused by the store, by status. */
  refused: Record<string, number>;
  /** Refused, yet in the ledger (a half-done write): must be 0. */
  refusedButRecorded: number;
}

export async function auditWrites(
  databaseUrl: string,
  records: readonly WriteRecord[],
): Promise<WriteAudit> {
  const ledger = await ledgerCounts(
    databaseUrl,
    records.map((r) => r.requestId),
  );
  const audit: WriteAudit = {
    attempted: records.length,
    acknowledged: 0,
    lost: 0,
    committedUnanswered: 0,
    refused: {},
    refusedButRecorded: 0,
  };
  for (const r of records) {
    const recorded = ledger.get(r.requestId) ?? 0;
    if (r.status === 200) {
      audit.acknowledged++;
      if (recorded !== 1) audit.lost++;
    } else if (r.status === 'no answer') {
      if (recorded > 0) audit.committedUnanswered++;
    } else {
      audit.refused[String(r.status)] = (audit.refused[String(r.status)] ?? 0) + 1;
      if (recorded > 0) audit.refusedButRecorded++;
    }
  }
  return audit;
}

/**
 * Adds a product through the first store, with `stock` at every store's location, and waits until
 * every store serves it. Returns its id.
 */
export async function createProduct(
  stores: ReadonlyArray<{ name: string; url: string }>,
  stock = 1_000_000,
): Promise<string> {
  const id = `D${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;
  const res = await fetch(`${stores[0]!.url}/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTHORIZATION },
    body: JSON.stringify({
      product_id: id,
      name: `Drill ${id}`,
      stock: Object.fromEntries(stores.map((s) => [s.name, stock])),
    }),
  });
  if (res.status !== 201) throw new Error(`creating ${id} answered ${res.status}`);
  const deadline = Date.now() + 10_000;
  for (const store of stores) {
    for (;;) {
      const known = await fetch(`${store.url}/inventory/${id}`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (known) break;
      if (Date.now() > deadline) throw new Error(`${store.name} does not know ${id}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return id;
}

/** One stock change as another service sends it to rpc/apply_stock_changes. */
export interface ServiceChange {
  product_id: string;
  location: string;
  change: number;
  update_type: string;
  store: string;
  request_id: string;
}

/**
 * Calls rpc/apply_stock_changes through the database API at `supabaseUrl` as another service
 * would: with the service-role key, and without the header a store names itself in, so the
 * database announces what it writes.
 */
export function applyAsService(
  supabaseUrl: string,
  serviceRoleKey: string,
  changes: ServiceChange[],
): Promise<Response> {
  return fetch(`${supabaseUrl}/rest/v1/rpc/apply_stock_changes`, {
    method: 'POST',
    headers: {
      apikey: serviceRoleKey,
      authorization: `Bearer ${serviceRoleKey}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ changes }),
  });
}
