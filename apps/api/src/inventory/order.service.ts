import type { OrderRequest, OrderResponse } from '@stockwire/domain';
import type { InventoryStore, RefusalCode } from '../store/inventory.store.js';
import type { Outcome, RequestContext } from './request.context.js';
import type { WriteCommitter } from './write.committer.js';

/** An order's answer, and whether stock was taken (or had been, for a repeated order_id). */
export interface OrderOutcome {
  response: OrderResponse;
  accepted: boolean;
  /** The order_id had been applied before: nothing more was taken. */
  duplicate: boolean;
  /** Why it was refused. */
  code?: RefusalCode;
}

/** All-or-nothing orders: every line's stock is taken in one transaction, or none. */
export class OrderService {
  constructor(
    private readonly store: InventoryStore,
    private readonly committer: WriteCommitter,
  ) {}

  async place(order: OrderRequest, ctx: RequestContext): Promise<Outcome<OrderOutcome>> {
    const lines = order.lines.map((line) => ({
      product_id: line.product_id,
      location: line.warehouse ?? this.committer.store,
      quantity: line.quantity,
    }));
    const answer = await this.store.placeOrder({
      order_id: order.order_id,
      lines,
      store: this.committer.store,
      request_id: ctx.requestId,
      actor: ctx.actor,
      ...(ctx.idempotency && { idempotency: ctx.idempotency }),
    });
    const { result, replayed, response } = this.committer.commit(answer, ctx.requestId);
    const order_data = {
      order_id: order.order_id,
      lines: lines.map(({ location, ...l }) => ({ ...l, warehouse: location })),
    };
    if (result.ok) {
      return {
        value: {
          accepted: true,
          duplicate: result.duplicate ?? false,
          response: {
            order_id: order.order_id,
            success: true,
            message: result.duplicate
              ? `Order ${order.order_id} was already applied; nothing more was taken`
              : `Order ${order.order_id} accepted: stock taken for ${lines.length} line(s)`,
            order_data: { ...order_data, duplicate: result.duplicate ?? false },
          },
        },
        replay: response,
        replayed,
      };
    }
    const line = result.line;
    const reason = (() => {
      switch (result.code) {
        case 'product_not_found':
          return `product ${line.product_id} does not exist`;
        case 'location_not_found':
          return `location ${line.location} does not exist`;
        case 'location_inactive':
          return `location ${line.location} is inactive`;
        case 'insufficient_stock':
        case 'quantity_out_of_range':
        case 'invalid_change':
          return `not enough ${line.product_id} at ${line.location} (${line.available} available)`;
      }
    })();
    return {
      value: {
        accepted: false,
        duplicate: false,
        code: result.code,
        response: {
          order_id: order.order_id,
          success: false,
          message: `Order ${order.order_id} refused, nothing taken: line ${line.index}: ${reason}`,
          order_data: { ...order_data, failed_line: line, code: result.code },
        },
      },
      replay: response,
      replayed,
    };
  }
}
