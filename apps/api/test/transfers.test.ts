import { randomUUID } from 'node:crypto';
import type { ProductInventory, Transfer } from '@stockwire/domain';
import { describe, expect, it } from 'vitest';
import { socketClient, wsClient } from './support/clients.js';
import { cachesMatchDatabase } from './support/convergence.js';
import { withDb } from './support/database.js';
import { eventually } from './support/eventually.js';
import { api, bearer, KEYS } from './support/http.js';
import { createProduct } from './support/products.js';
import { useStores } from './support/stores.js';

const WAREHOUSE = 'central-warehouse';
const stores = useStores(['main-store', 'downtown-store', 'mall-store']);
const main = () => stores()[0];
const downtown = () => stores()[1];
const mall = () => stores()[2];

const staff = bearer(KEYS.staff);

/** A transfer id no other test uses. */
const uniqueTransfer = () => `tr-${randomUUID().slice(0, 12)}`;

interface Row {
  location: string;
  on_hand: number;
  reserved: number;
  in_transit: number;
}

/** A product's stock rows, read directly with SQL, by location. */
async function rows(productId: string): Promise<Record<string, Row>> {
  return withDb(async (db) => {
    const { rows } = await db.query<Row>(
      `select location, on_hand, reserved, in_transit from stock_levels where product_id = $1`,
      [productId],
    );
    return Object.fromEntries(rows.map((r) => [r.location, r]));
  });
}

interface TransferLedgerRow {
  location: string;
  update_type: string;
  change: number;
  transfer_id: string | null;
}

/** The ledger rows of a product's transfers, oldest first. */
async function transferLedger(productId: string): Promise<TransferLedgerRow[]> {
  return withDb(async (db) => {
    const { rows } = await db.query<TransferLedgerRow>(
      `select location, update_type, change, transfer_id from inventory_events
        where product_id = $1 and update_type like 'transfer%' order by id`,
      [productId],
    );
    return rows;
  });
}

async function transferCount(productId: string): Promise<number> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ n: string }>(
      'select count(*) as n from transfer_lines where product_id = $1',
      [productId],
    );
    return Number(rows[0]?.n);
  });
}

const view = async (url: string, id: string) =>
  (await api<ProductInventory>(url, 'GET', `/inventory/${id}`)).body;

async function send(
  body: Record<string, unknown>,
  url = main().url,
  headers: Record<string, string> = staff,
) {
  return api<Transfer & { error?: Record<string, unknown> }>(
    url,
    'POST',
    '/transfers',
    body,
    headers,
  );
}

describe('transfers', () => {
  it('takes every line from the origin and shows it in transit at the destination, everywhere', async () => {
    const a = await createProduct(stores(), { [WAREHOUSE]: 40 });
    const b = await createProduct(stores(), { [WAREHOUSE]: 10, 'mall-store': 2 });
    const socket = await socketClient(downtown().url);
    const ws = await wsClient(mall().url);
    const transfer_id = uniqueTransfer();
    const res = await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'mall-store',
      lines: [
        { product_id: a, quantity: 12 },
        { product_id: b, quantity: 3 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      transfer_id,
      from: WAREHOUSE,
      to: 'mall-store',
      status: 'in_transit',
      store: 'main-store',
      lines: [
        { product_id: a, quantity: 12, received: 0, cancelled: 0, in_transit: 12 },
        { product_id: b, quantity: 3, received: 0, cancelled: 0, in_transit: 3 },
      ],
    });

    expect(await rows(a)).toMatchObject({
      [WAREHOUSE]: { on_hand: 28, in_transit: 0 },
      'mall-store': { on_hand: 0, in_transit: 12 },
    });
    expect(await rows(b)).toMatchObject({
      [WAREHOUSE]: { on_hand: 7 },
      'mall-store': { on_hand: 2, in_transit: 3 },
    });
    expect(await transferLedger(a)).toEqual([
      { location: WAREHOUSE, update_type: 'transfer_out', change: -12, transfer_id },
    ]);

    // Every store's cache shows it, and every store's clients heard it.
    for (const s of stores()) {
      await eventually(
        async () => (await view(s.url, a)).locations['mall-store']?.in_transit === 12,
      );
      const seen = await view(s.url, a);
      expect(seen.locations[WAREHOUSE]).toMatchObject({
        on_hand: 28,
        available: 28,
        in_transit: 0,
      });
      expect(seen.locations['mall-store']).toMatchObject({ on_hand: 0, available: 0 });
      expect(seen).toMatchObject({ total_stock: 28, in_transit_stock: 12 });
    }
    await eventually(() =>
      socket.updates.some(
        (u) => u.product_id === a && u.warehouse === 'mall-store' && u.in_transit === 12,
      ),
    );
    const out = socket.updates.find((u) => u.product_id === a && u.warehouse === WAREHOUSE);
    expect(out).toMatchObject({ update_type: 'transfer_out', change: -12, transfer_id });
    await eventually(() =>
      ws
        .updates()
        .some((u) => u.product_id === b && u.warehouse === 'mall-store' && u.in_transit === 3),
    );
    socket.close();
    ws.close();

    // A sale at the destination, which does not move what is in transit, leaves it shown.
    const sale = await api(mall().url, 'POST', `/inventory/${b}/update`, {
      change: -1,
      update_type: 'sale',
    });
    expect(sale.status).toBe(200);
    expect((sale.body as ProductInventory).locations['mall-store']).toMatchObject({
      on_hand: 1,
      in_transit: 3,
    });
    for (const s of stores()) {
      await eventually(async () => (await view(s.url, b)).locations['mall-store']?.on_hand === 1);
      expect((await view(s.url, b)).locations['mall-store']?.in_transit).toBe(3);
    }

    const got = await api<Transfer>(downtown().url, 'GET', `/transfers/${transfer_id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    await cachesMatchDatabase(stores(), [a, b]);
  });

  it('receives part of a transfer, then the rest, and is then finished', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 20 });
    const transfer_id = uniqueTransfer();
    await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'downtown-store',
      lines: [{ product_id: id, quantity: 10 }],
    });

    const part = await api<Transfer>(
      downtown().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      { lines: [{ product_id: id, quantity: 4 }] },
      staff,
    );
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({
      status: 'partially_received',
      receipts: 1,
      lines: [{ product_id: id, quantity: 10, received: 4, in_transit: 6 }],
    });
    expect((await rows(id))['downtown-store']).toMatchObject({ on_hand: 4, in_transit: 6 });

    const rest = await api<Transfer>(
      downtown().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      undefined,
      staff,
    );
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      status: 'received',
      receipts: 2,
      lines: [{ received: 10, in_transit: 0 }],
    });
    expect(await rows(id)).toMatchObject({
      [WAREHOUSE]: { on_hand: 10, in_transit: 0 },
      'downtown-store': { on_hand: 10, in_transit: 0 },
    });
    expect(await transferLedger(id)).toEqual([
      { location: WAREHOUSE, update_type: 'transfer_out', change: -10, transfer_id },
      { location: 'downtown-store', update_type: 'transfer_in', change: 4, transfer_id },
      { location: 'downtown-store', update_type: 'transfer_in', change: 6, transfer_id },
    ]);

    const again = await api<{ error: Record<string, unknown> }>(
      main().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      undefined,
      staff,
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'transfer_finished', status: 'received' });
    const cancel = await api<{ error: Record<string, unknown> }>(
      main().url,
      'POST',
      `/transfers/${transfer_id}/cancel`,
    );
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: 'transfer_finished' });
    expect((await rows(id))['downtown-store']).toMatchObject({ on_hand: 10, in_transit: 0 });
    await cachesMatchDatabase(stores(), [id]);
  });

  it('refuses to receive more than is in transit, or a product the transfer does not carry', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 20 });
    const other = await createProduct(stores(), { [WAREHOUSE]: 20 });
    const transfer_id = uniqueTransfer();
    await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'main-store',
      lines: [{ product_id: id, quantity: 5 }],
    });
    const before = await rows(id);

    const more = await api<{ error: Record<string, unknown> }>(
      main().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      { lines: [{ product_id: id, quantity: 6 }] },
      staff,
    );
    expect(more.status).toBe(409);
    expect(more.body.error).toMatchObject({
      code: 'transfer_quantity_exceeded',
      field: 'lines.0',
      product_id: id,
      in_transit: 5,
    });
    const stranger = await api<{ error: Record<string, unknown> }>(
      main().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      { lines: [{ product_id: other, quantity: 1 }] },
      staff,
    );
    expect(stranger.status).toBe(409);
    expect(stranger.body.error).toMatchObject({
      code: 'transfer_line_not_found',
      field: 'lines.0',
    });
    expect(await rows(id)).toEqual(before);
    const now = await api<Transfer>(main().url, 'GET', `/transfers/${transfer_id}`);
    expect(now.body).toMatchObject({ status: 'in_transit', receipts: 0, lines: [{ received: 0 }] });
  });

  it('cancels what is still in transit back to the origin; only admins may', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 30 });
    const transfer_id = uniqueTransfer();
    await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'mall-store',
      lines: [{ product_id: id, quantity: 9 }],
    });
    await api(
      mall().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      { lines: [{ product_id: id, quantity: 2 }] },
      staff,
    );

    const refused = await api<{ error: { code: string } }>(
      mall().url,
      'POST',
      `/transfers/${transfer_id}/cancel`,
      undefined,
      staff,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(await rows(id)).toMatchObject({
      [WAREHOUSE]: { on_hand: 21 },
      'mall-store': { on_hand: 2, in_transit: 7 },
    });

    const cancelled = await api<Transfer>(
      downtown().url,
      'POST',
      `/transfers/${transfer_id}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      lines: [{ quantity: 9, received: 2, cancelled: 7, in_transit: 0 }],
    });
    expect(await rows(id)).toMatchObject({
      [WAREHOUSE]: { on_hand: 28, in_transit: 0 },
      'mall-store': { on_hand: 2, in_transit: 0 },
    });
    expect((await transferLedger(id)).map((r) => [r.location, r.update_type, r.change])).toEqual([
      [WAREHOUSE, 'transfer_out', -9],
      ['mall-store', 'transfer_in', 2],
      [WAREHOUSE, 'transfer_cancel', 7],
    ]);
    await cachesMatchDatabase(stores(), [id]);
  });

  it('takes all lines or none: a line short of what is not reserved refuses the transfer', async () => {
    const a = await createProduct(stores(), { [WAREHOUSE]: 10 });
    const b = await createProduct(stores(), { [WAREHOUSE]: 10 });
    const hold = await api(main().url, 'POST', `/inventory/${b}/reserve`, {
      quantity: 6,
      warehouse: WAREHOUSE,
    });
    expect(hold.status).toBe(201);
    const [beforeA, beforeB] = [await rows(a), await rows(b)];
    const transfer_id = uniqueTransfer();
    const res = await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'main-store',
      lines: [
        { product_id: a, quantity: 5 },
        { product_id: b, quantity: 5 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'insufficient_stock',
      field: 'lines.1',
      product_id: b,
      available_stock: 4,
      warehouse: WAREHOUSE,
    });
    expect(await rows(a)).toEqual(beforeA);
    expect(await rows(b)).toEqual(beforeB);
    expect(await transferLedger(a)).toEqual([]);
    expect((await api(main().url, 'GET', `/transfers/${transfer_id}`)).status).toBe(404);
  });

  it('answers an unknown product 404, an unknown place 404 and a retried id as before', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 10 });
    const unknown = await send({
      from: WAREHOUSE,
      to: 'main-store',
      lines: [
        { product_id: id, quantity: 1 },
        { product_id: 'NOSUCHPROD', quantity: 1 },
      ],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'product_not_found', field: 'lines.1' });

    const nowhere = await send({
      from: WAREHOUSE,
      to: 'mian-store',
      lines: [{ product_id: id, quantity: 1 }],
    });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error).toMatchObject({ code: 'location_not_found', field: 'to' });
    expect((await rows(id))[WAREHOUSE]).toMatchObject({ on_hand: 10 });
    expect(await transferCount(id)).toBe(0);

    const transfer_id = uniqueTransfer();
    const body = {
      transfer_id,
      from: WAREHOUSE,
      to: 'main-store',
      lines: [{ product_id: id, quantity: 3 }],
    };
    const first = await send(body);
    expect(first.status).toBe(201);
    const retry = await send(body, mall().url);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const changed = await send({ ...body, lines: [{ product_id: id, quantity: 4 }] });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'transfer_exists', field: 'transfer_id' });
    expect(await rows(id)).toMatchObject({
      [WAREHOUSE]: { on_hand: 7 },
      'main-store': { in_transit: 3 },
    });

    for (const path of [`/transfers/nope-${transfer_id}`]) {
      expect((await api(main().url, 'GET', path)).status).toBe(404);
      const receive = await api<{ error: { code: string } }>(
        main().url,
        'POST',
        `${path}/receive`,
        undefined,
        staff,
      );
      expect(receive.status).toBe(404);
      expect(receive.body.error.code).toBe('transfer_not_found');
      expect((await api(main().url, 'POST', `${path}/cancel`)).status).toBe(404);
    }
  });

  it('answers bad input 400 naming the field, with nothing written', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 10 });
    const line = { product_id: id, quantity: 1 };
    const cases: [unknown, string][] = [
      [{ from: WAREHOUSE, to: WAREHOUSE, lines: [line] }, 'to'],
      [{ from: WAREHOUSE, to: 'main-store', lines: [] }, 'lines'],
      [{ from: WAREHOUSE, to: 'main-store' }, 'lines'],
      [
        { from: WAREHOUSE, to: 'main-store', lines: [{ product_id: id, quantity: 0 }] },
        'lines.0.quantity',
      ],
      [
        { from: WAREHOUSE, to: 'main-store', lines: [{ product_id: id, quantity: 1.5 }] },
        'lines.0.quantity',
      ],
      [{ from: WAREHOUSE, to: 'main-store', lines: [line, line] }, 'lines.1.product_id'],
      [{ from: '../etc', to: 'main-store', lines: [line] }, 'from'],
      [{ from: WAREHOUSE, to: 'main-store', lines: [line], priority: 'high' }, 'priority'],
      [{ transfer_id: 'a b', from: WAREHOUSE, to: 'main-store', lines: [line] }, 'transfer_id'],
    ];
    for (const [body, field] of cases) {
      const res = await send(body as Record<string, unknown>);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({
        code: 'validation_failed',
        fields: { [field]: expect.any(Array) },
      });
    }
    const transfer_id = uniqueTransfer();
    await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'main-store',
      lines: [{ product_id: id, quantity: 2 }],
    });
    const badReceive = await api<{ error: Record<string, unknown> }>(
      main().url,
      'POST',
      `/transfers/${transfer_id}/receive`,
      { lines: [{ product_id: id, quantity: -1 }] },
      staff,
    );
    expect(badReceive.status).toBe(400);
    expect(badReceive.body.error).toMatchObject({
      fields: { 'lines.0.quantity': expect.any(Array) },
    });
    const badQuery = await api<{ error: Record<string, unknown> }>(
      main().url,
      'GET',
      '/transfers?status=lost',
    );
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error).toMatchObject({ fields: { status: expect.any(Array) } });

    expect(await transferCount(id)).toBe(1);
    expect(await rows(id)).toMatchObject({
      [WAREHOUSE]: { on_hand: 8 },
      'main-store': { on_hand: 0, in_transit: 2 },
    });
  });

  it('adds a receipt retried with the same Idempotency-Key once', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 10 });
    const transfer_id = uniqueTransfer();
    await send({
      transfer_id,
      from: WAREHOUSE,
      to: 'downtown-store',
      lines: [{ product_id: id, quantity: 8 }],
    });
    const headers = { ...staff, 'Idempotency-Key': `receipt-${transfer_id}` };
    const body = { lines: [{ product_id: id, quantity: 3 }] };
    const path = `/transfers/${transfer_id}/receive`;
    const results = await Promise.all([
      api<Transfer>(downtown().url, 'POST', path, body, headers),
      api<Transfer>(main().url, 'POST', path, body, headers),
      api<Transfer>(mall().url, 'POST', path, body, headers),
    ]);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ receipts: 1, lines: [{ received: 3, in_transit: 5 }] });
    }
    const retried = await fetch(`${downtown().url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const other = await api(
      downtown().url,
      'POST',
      path,
      { lines: [{ product_id: id, quantity: 1 }] },
      headers,
    );
    expect(other.status).toBe(422);
    expect((await rows(id))['downtown-store']).toMatchObject({ on_hand: 3, in_transit: 5 });
    expect((await transferLedger(id)).filter((r) => r.update_type === 'transfer_in')).toEqual([
      { location: 'downtown-store', update_type: 'transfer_in', change: 3, transfer_id },
    ]);
  });

  it('lists transfers newest first, by status and location, page by page', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 10 });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const transfer_id = uniqueTransfer();
      made.push(transfer_id);
      await send({
        transfer_id,
        from: WAREHOUSE,
        to: 'mall-store',
        lines: [{ product_id: id, quantity: 1 }],
      });
    }
    await api(main().url, 'POST', `/transfers/${made[0]}/cancel`);
    type Page = { transfers: Transfer[]; next_cursor: number | null };
    const first = await api<Page>(
      main().url,
      'GET',
      '/transfers?location=mall-store&status=in_transit&limit=1',
    );
    expect(first.status).toBe(200);
    expect(first.body.transfers.map((t) => t.transfer_id)).toEqual([made[2]]);
    expect(first.body.next_cursor).not.toBeNull();
    const second = await api<Page>(
      main().url,
      'GET',
      `/transfers?location=mall-store&status=in_transit&limit=1&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.transfers.map((t) => t.transfer_id)).toEqual([made[1]]);
    const cancelled = await api<Page>(
      main().url,
      'GET',
      '/transfers?status=cancelled&to=mall-store&limit=200',
    );
    expect(cancelled.body.transfers.map((t) => t.transfer_id)).toContain(made[0]);
    expect(cancelled.body.transfers.every((t) => t.status === 'cancelled')).toBe(true);
    const elsewhere = await api<Page>(main().url, 'GET', '/transfers?from=mall-store&limit=200');
    expect(elsewhere.body.transfers.map((t) => t.transfer_id)).not.toContain(made[1]);
  });

  it('never takes a row below its holds under 200 concurrent transfers and sales from three stores, and every transfer adds up', async () => {
    const id = await createProduct(stores(), { [WAREHOUSE]: 300, 'main-store': 5 });
    const HELD = 20;
    for (const s of stores()) {
      const hold = await api(s.url, 'POST', `/inventory/${id}/reserve`, {
        quantity: HELD / 4,
        warehouse: WAREHOUSE,
      });
      expect(hold.status).toBe(201);
    }
    const hold = await api(main().url, 'POST', `/inventory/${id}/reserve`, {
      quantity: HELD / 4,
      warehouse: WAREHOUSE,
    });
    expect(hold.status).toBe(201);
    const destinations = ['main-store', 'downtown-store', 'mall-store'];
    const ops = Array.from({ length: 200 }, (_, i) => {
      const store = stores()[i % 3]!;
      const quantity = 1 + (i % 4);
      if (i % 2 === 0) {
        return send(
          {
            transfer_id: `${id}-${i}`,
            from: WAREHOUSE,
            to: destinations[(i >> 1) % 3]!,
            lines: [{ product_id: id, quantity }],
          },
          store.url,
        ).then((r) => ({
          kind: 'transfer' as const,
          quantity,
          status: r.status,
          id: `${id}-${i}`,
        }));
      }
      return api(
        store.url,
        'POST',
        `/inventory/${id}/update`,
        { warehouse: WAREHOUSE, change: -quantity, update_type: 'sale' },
        staff,
      ).then((r) => ({ kind: 'sale' as const, quantity, status: r.status, id: '' }));
    });
    const results = await Promise.all(ops);
    for (const r of results) expect([200, 201, 409]).toContain(r.status);
    const taken = results.filter((r) => r.status !== 409).reduce((sum, r) => sum + r.quantity, 0);
    const sent = results.filter((r) => r.kind === 'transfer' && r.status === 201);
    // More was asked for than was free: some were refused, and the rest took exactly what was free or less.
    expect(results.some((r) => r.status === 409)).toBe(true);
    const after = await rows(id);
    expect(after[WAREHOUSE]!.reserved).toBe(HELD);
    expect(after[WAREHOUSE]!.on_hand).toBeGreaterThanOrEqual(HELD);
    expect(after[WAREHOUSE]!.on_hand).toBe(300 - taken);

    // End them three ways: received in part, cancelled, left in transit.
    await Promise.all(
      sent.map((t, i) => {
        const store = stores()[i % 3]!;
        const path = `/transfers/${t.id}`;
        if (i % 3 === 0) {
          return api(
            store.url,
            'POST',
            `${path}/receive`,
            { lines: [{ product_id: id, quantity: 1 }] },
            staff,
          );
        }
        if (i % 3 === 1) return api(store.url, 'POST', `${path}/cancel`);
        return Promise.resolve(null);
      }),
    );

    const perTransfer = await withDb(async (db) => {
      const { rows } = await db.query<{
        transfer_id: string;
        out: number;
        in: number;
        cancelled: number;
        in_transit: number;
      }>(
        `select t.id as transfer_id,
                coalesce(-sum(e.change) filter (where e.update_type = 'transfer_out'), 0)::int as out,
                coalesce(sum(e.change) filter (where e.update_type = 'transfer_in'), 0)::int as in,
                coalesce(sum(e.change) filter (where e.update_type = 'transfer_cancel'), 0)::int as cancelled,
                (select sum(x.quantity - x.received - x.cancelled) from transfer_lines x where x.transfer_id = t.id)::int as in_transit
           from transfers t
           left join inventory_events e on e.transfer_id = t.id
          where t.id like $1
          group by t.id`,
        [`${id}-%`],
      );
      return rows;
    });
    expect(perTransfer).toHaveLength(sent.length);
    for (const t of perTransfer)
      expect(t.out, t.transfer_id).toBe(t.in + t.in_transit + t.cancelled);
    const total = (k: 'out' | 'in' | 'cancelled' | 'in_transit') =>
      perTransfer.reduce((sum, t) => sum + t[k], 0);
    expect(total('out')).toBe(sent.reduce((sum, t) => sum + t.quantity, 0));
    expect(total('in')).toBeGreaterThan(0);
    expect(total('cancelled')).toBeGreaterThan(0);

    // The rows say the same: what is in transit at the stores is what the transfers left in transit.
    const final = await rows(id);
    const inTransit = destinations.reduce((sum, l) => sum + (final[l]?.in_transit ?? 0), 0);
    expect(inTransit).toBe(total('in_transit'));
    expect(final[WAREHOUSE]!.on_hand).toBe(300 - taken + total('cancelled'));
    const received = destinations.reduce((sum, l) => sum + (final[l]?.on_hand ?? 0), 0);
    expect(received).toBe(5 + total('in'));
    await cachesMatchDatabase(stores(), [id], 10_000);
  });
});
