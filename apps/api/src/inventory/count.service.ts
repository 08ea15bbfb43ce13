import { randomUUID } from 'node:crypto';
import {
  ERROR_CODES,
  locationError,
  StockwireError,
  type CountRequest,
  type CountResponse,
  type Location,
  type RefusedCountLine,
} from '@stockwire/domain';
import type { InventoryStore } from '../store/inventory.store.js';
import type { Outcome, RequestContext } from './request.context.js';
import type { WriteCommitter } from './write.committer.js';

/** Why a line was refused, as people read it. */
function reason(line: RefusedCountLine, location: Location): string {
  return line.code === 'product_not_found'
    ? `product ${line.product_id} does not exist`
    : `${line.product_id} counted ${line.counted} at ${location}, below the ${line.reserved} reserved`;
}

/**
 * Stocktakes: one transaction sets on hand to what was counted, line by line, each variance an
 * adjustment in the ledger carrying the count's id; published like any change.
 */
export class CountService {
  constructor(
    private readonly store: Pick<InventoryStore, 'recordCount'>,
    private readonly committer: WriteCommitter,
  ) {}

  async record(request: CountRequest, ctx: RequestContext): Promise<Outcome<CountResponse>> {
    const answer = await this.store.recordCount({
      count_id: request.count_id ?? randomUUID(),
      location: request.location,
      lines: request.lines,
      all_or_nothing: request.all_or_nothing,
      store: this.committer.store,
      request_id: ctx.requestId,
      actor: ctx.actor,
      ...(ctx.idempotency && { idempotency: ctx.idempotency }),
    });
    const { result, replayed, response } = this.committer.commit(answer, ctx.requestId);
    if (!result.ok) {
      if (result.line === null) throw locationError(result.code, request.location);
      const code =
        result.line.code === 'product_not_found'
          ? ERROR_CODES.PRODUCT_NOT_FOUND
          : ERROR_CODES.COUNT_BELOW_RESERVED;
      throw new StockwireError(
        code,
        `Count refused, nothing written: line ${result.line.index}: ${reason(result.line, request.location)}`,
        { line: result.line },
      );
    }
    return {
      value: {
        count_id: result.count_id,
        location: result.location,
        all_or_nothing: result.all_or_nothing,
        duplicate: result.duplicate ?? false,
        lines: result.lines.map((line) =>
          'code' in line
            ? { ...line, error: { code: line.code, message: reason(line, result.location) } }
            : line,
        ),
      },
      replay: response,
      replayed,
    };
  }
}
