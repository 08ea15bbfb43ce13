import {
  ERROR_CODES,
  StockwireError,
  type ProductId,
  type ReserveRequest,
} from '@stockwire/domain';
import type { FinishResult, InventoryStore, Reservation } from '../store/inventory.store.js';
import type { ChangePublisher } from './change.publisher.js';
import { refusal } from './inventory.service.js';
import { settle, type Outcome, type RequestContext } from './request.context.js';

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

const FINISH_ERRORS: Record<
  Exclude<Extract<FinishResult, { ok: false }>['code'], 'invalid_change'>,
  (id: string) => StockwireError
> = {
  reservation_not_found: (id) =>
    new StockwireError(ERROR_CODES.RESERVATION_NOT_FOUND, `Reservation ${id} does not exist`),
  reservation_committed: (id) =>
    new StockwireError(
      ERROR_CODES.RESERVATION_COMMITTED,
      `Reservation ${id} was already committed`,
    ),
  reservation_released: (id) =>
    new StockwireError(ERROR_CODES.RESERVATION_RELEASED, `Reservation ${id} was already released`),
  reservation_expired: (id) =>
    new StockwireError(
      ERROR_CODES.RESERVATION_EXPIRED,
      `Reservation ${id} has expired; its units are available again`,
    ),
};

/** Holds during checkout: place, commit (a sale), release, and expiry. */
export class ReservationService {
  constructor(
    private readonly store: InventoryStore,
    private readonly publisher: ChangePublisher,
    private readonly options: ReservationOptions,
  ) {}

  async reserve(
    productId: ProductId,
    request: ReserveRequest,
    ctx: RequestContext,
  ): Promise<Outcome<ReservationReceipt>> {
    const location = request.warehouse ?? this.publisher.store;
    const [answer] = await this.store.reserve([
      {
        product_id: productId,
        location,
        quantity: request.quantity,
        ttl_seconds: request.ttl_seconds ?? this.options.defaultTtlSeconds,
        client_id: request.client_id ?? null,
        store: this.publisher.store,
        request_id: ctx.requestId,
        actor: ctx.actor,
        ...(ctx.idempotency && { idempotency: ctx.idempotency }),
      },
    ]);
    if (!answer) throw new StockwireError(ERROR_CODES.INTERNAL, 'no result for the hold');
    const { result, replayed, response } = settle(answer);
    if (!replayed) this.publisher.publishEffects(result, ctx.requestId);
    if (!result.ok) throw refusal(result.code, productId, location, result.available);
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
    if (!hold) throw FINISH_ERRORS.reservation_not_found(id);
    return toReservationView(hold);
  }

  /** Releases the holds whose time is up; any number of instances may sweep at once. */
  async sweep(maxRows = 500): Promise<number> {
    const effects = await this.store.expireReservations(maxRows, this.publisher.store);
    this.publisher.publishEffects(effects, null);
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
      store: this.publisher.store,
      request_id: ctx.requestId,
      actor: ctx.actor,
      ...(ctx.idempotency && { idempotency: ctx.idempotency }),
    });
    const { result, replayed, response } = settle(answer);
    if (!replayed) this.publisher.publishEffects(result, ctx.requestId);
    if (!result.ok) {
      if (result.code === 'invalid_change')
        throw new StockwireError(ERROR_CODES.INTERNAL, `cannot ${action}`);
      throw FINISH_ERRORS[result.code](id);
    }
    return { value: toReservationView(result.reservation), replay: response, replayed };
  }
}
