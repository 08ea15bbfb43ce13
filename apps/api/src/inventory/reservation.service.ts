import {
  ERROR_CODES,
  holdRefusalError,
  refusalError,
  StockwireError,
  type ProductId,
  type ReserveRequest,
} from '@stockwire/domain';
import type { InventoryStore, Reservation } from '../store/inventory.store.js';
import type { Outcome, RequestContext } from './request.context.js';
import type { WriteCommitter } from './write.committer.js';

/** What `POST /inventory/{id}/reserve` answers. */
export interface ReservationReceipt {
  success: true;
  reservation_id: string;
  product_id: ProductId;
  warehouse: string;
  quantity: number;
  expires_at: string;
  available_stock: number;
}

/** A hold as `GET /reservations/{id}` and the commit/release routes show it. */
export interface ReservationView {
  reservation_id: string;
  product_id: ProductId;
  warehouse: string;
  quantity: number;
  status: Reservation['status'];
  expires_at: string;
  client_id: string | null;
  order_id: string | null;
  store: string;
  created_at: string;
  updated_at: string;
}

export function toReservationView(r: Reservation): ReservationView {
  return {
    reservation_id: r.id,
    product_id: r.product_id,
    warehouse: r.location,
    quantity: r.quantity,
    status: r.status,
    expires_at: r.expires_at,
    client_id: r.client_id,
    order_id: r.order_id,
    store: r.store,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface ReservationOptions {
  /** Lifetime of a hold when the request names none, in seconds. */
  defaultTtlSeconds: number;
}

/** Holds during checkout: place, commit (a sale), release, and expiry. */
export class ReservationService {
  constructor(
    private readonly store: InventoryStore,
    private readonly committer: WriteCommitter,
    private readonly options: ReservationOptions,
  ) {}

  async reserve(
    productId: ProductId,
    request: ReserveRequest,
    ctx: RequestContext,
  ): Promise<Outcome<ReservationReceipt>> {
    const location = request.warehouse ?? this.committer.store;
    const [answer] = await this.store.reserve([
      {
        product_id: productId,
        location,
        quantity: request.quantity,
        ttl_seconds: request.ttl_seconds ?? this.options.defaultTtlSeconds,
        client_id: request.client_id ?? null,
        store: this.committer.store,
        request_id: ctx.requestId,
        actor: ctx.actor,
        ...(ctx.idempotency && { idempotency: ctx.idempotency }),
      },
    ]);
    if (!answer) throw new StockwireError(ERROR_CODES.INTERNAL, 'no result for the hold');
    const at = { product_id: productId, location };
    const { result, replayed, response } = this.committer.commit(answer, ctx.requestId, (r) =>
      refusalError(r.code, { ...at, available: r.available }),
    );
    if (!result.reservation)
      throw new StockwireError(ERROR_CODES.INTERNAL, 'hold placed without a reservation');
    const hold = result.reservation;
    return {
      value: {
        success: true,
        reservation_id: hold.id,
        product_id: hold.product_id,
        warehouse: hold.location,
        quantity: hold.quantity,
        expires_at: hold.expires_at,
        available_stock: result.available,
      },
      replay: response,
      replayed,
    };
  }

  commit(id: string, ctx: RequestContext): Promise<Outcome<ReservationView>> {
    return this.finish(id, 'commit', ctx);
  }

  release(id: string, ctx: RequestContext): Promise<Outcome<ReservationView>> {
    return this.finish(id, 'release', ctx);
  }

  async get(id: string): Promise<ReservationView> {
    const hold = await this.store.getReservation(id);
    if (!hold) throw holdRefusalError('reservation_not_found', id, 'commit');
    return toReservationView(hold);
  }

  /** Releases the holds whose time is up; any number of instances may sweep at once. */
  async sweep(maxRows = 500): Promise<number> {
    const effects = await this.store.expireReservations(maxRows, this.committer.store);
    this.committer.effects(effects, null);
    return effects.expired.length;
  }

  private async finish(
    id: string,
    action: 'commit' | 'release',
    ctx: RequestContext,
  ): Promise<Outcome<ReservationView>> {
    const answer = await this.store.finishReservation({
      reservation_id: id,
      action,
      store: this.committer.store,
      request_id: ctx.requestId,
      actor: ctx.actor,
      ...(ctx.idempotency && { idempotency: ctx.idempotency }),
    });
    const { result, replayed, response } = this.committer.commit(answer, ctx.requestId, (r) =>
      holdRefusalError(r.code, id, action),
    );
    return { value: toReservationView(result.reservation), replay: response, replayed };
  }
}
