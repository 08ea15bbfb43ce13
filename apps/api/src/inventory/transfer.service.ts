import { randomUUID } from 'node:crypto';
import {
  ERROR_CODES,
  StockwireError,
  transferRefusalError,
  type CreateTransferRequest,
  type ReceiveTransferRequest,
  type Transfer,
  type TransferId,
  type TransfersQuery,
} from '@stockwire/domain';
import type { Idempotent } from '../store/inventory.store.js';
import type { TransferStepResult, TransferStore, TransfersPage } from '../store/transfer.store.js';
import type { Outcome, RequestContext } from './request.context.js';
import type { WriteCommitter } from './write.committer.js';

/** A step's transfer as it now stands, and whether a create found it made before. */
export interface TransferOutcome {
  transfer: Transfer;
  /** The transfer id was made before with the same body: nothing more was taken. */
  duplicate: boolean;
}

/**
 * Transfers between locations: each step (create, receive, cancel) is one transaction in the
 * database, and ends in the {@link WriteCommitter} like every write, so the rows it moved at both
 * ends reach every instance's cache and clients.
 */
export class TransferService {
  constructor(
    private readonly store: TransferStore,
    private readonly committer: WriteCommitter,
  ) {}

  create(request: CreateTransferRequest, ctx: RequestContext): Promise<Outcome<TransferOutcome>> {
    const transfer_id = request.transfer_id ?? randomUUID();
    return this.step(
      transfer_id,
      this.store.createTransfer({
        transfer_id,
        from: request.from,
        to: request.to,
        lines: request.lines,
        ...this.origin(ctx),
      }),
      ctx,
    );
  }

  receive(
    id: TransferId,
    request: ReceiveTransferRequest,
    ctx: RequestContext,
  ): Promise<Outcome<TransferOutcome>> {
    return this.step(
      id,
      this.store.receiveTransfer({
        transfer_id: id,
        ...(request.lines && { lines: request.lines }),
        ...this.origin(ctx),
      }),
      ctx,
    );
  }

  cancel(id: TransferId, ctx: RequestContext): Promise<Outcome<TransferOutcome>> {
    return this.step(id, this.store.cancelTransfer({ transfer_id: id, ...this.origin(ctx) }), ctx);
  }

  async get(id: TransferId): Promise<Transfer> {
    const transfer = await this.store.getTransfer(id);
    if (!transfer) {
      throw new StockwireError(ERROR_CODES.TRANSFER_NOT_FOUND, `Transfer ${id} does not exist`);
    }
    return transfer;
  }

  list(query: TransfersQuery): Promise<TransfersPage> {
    return this.store.listTransfers(query);
  }

  private origin(ctx: RequestContext) {
    return {
      store: this.committer.store,
      request_id: ctx.requestId,
      actor: ctx.actor,
      ...(ctx.idempotency && { idempotency: ctx.idempotency }),
    };
  }

  private async step(
    id: TransferId,
    answer: Promise<Idempotent<TransferStepResult>>,
    ctx: RequestContext,
  ): Promise<Outcome<TransferOutcome>> {
    const { result, replayed, response } = this.committer.commit(
      await answer,
      ctx.requestId,
      (refused) => transferRefusalError({ ...refused, transfer_id: id }),
    );
    return {
      value: { transfer: result.transfer, duplicate: result.duplicate ?? false },
      replay: response,
      replayed,
    };
  }
}
