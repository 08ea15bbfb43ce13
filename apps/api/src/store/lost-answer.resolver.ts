import { ERROR_CODES, StockwireError } from '@stockwire/domain';
import type { Idempotent, MoveResult, RowChange, StockChange } from './inventory.store.js';

/** What a lost answer is resolved with: the row change each change made, or null. */
export type Probe = (changes: readonly StockChange[]) => Promise<(RowChange | null)[]>;

export interface LostAnswerOptions {
  /**
   * Pauses before each look at the ledger, in ms: the database may need a moment to answer again.
   * @default [0, 100, 250, 500, 1000, 2000]
   */
  pauses?: readonly number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isLost = (error: unknown): error is StockwireError =>
  error instanceof StockwireError && error.code === ERROR_CODES.OUTCOME_UNKNOWN;

/**
 * Finds out what became of a batch of stock changes whose answer was lost, so that each caller is
 * told what happened rather than "nothing was written":
 * - a change the ledger holds (found by its request id after the version the store knew) was made,
 *   and is answered as made, with the row as it is now;
 * - a change the ledger does not hold, once the rows' locks showed no write still in flight, and
 *   that carries an Idempotency-Key, is sent again: the key makes that safe either way;
 * - any other is answered `outcome_unknown`, naming its request id, since only a key makes a
 *   second try safe.
 * While the ledger cannot be read, every change is answered `outcome_unknown`.
 */
export async function resolveLostChanges(
  changes: readonly StockChange[],
  lost: StockwireError,
  probe: Probe,
  resend: (changes: readonly StockChange[]) => Promise<Idempotent<MoveResult>[]>,
  options: LostAnswerOptions = {},
): Promise<Idempotent<MoveResult>[]> {
  const unknown = (change: StockChange): Idempotent<MoveResult> => ({
    lost: new StockwireError(
      ERROR_CODES.OUTCOME_UNKNOWN,
      lost.message,
      change.request_id === null ? undefined : { request_id: change.request_id },
      { cause: lost.cause },
    ),
  });
  const found = await probeUntilAnswered(
    changes,
    probe,
    options.pauses ?? [0, 100, 250, 500, 1000, 2000],
  );
  if (!found) return changes.map(unknown);

  const answers: (Idempotent<MoveResult> | undefined)[] = found.map((row) =>
    row
      ? {
          replayed: false,
          result: { ok: true, available: row.on_hand - row.reserved, changes: [row], expired: [] },
          response: null,
        }
      : undefined,
  );
  const again = changes.flatMap((change, at) =>
    answers[at] === undefined && change.idempotency ? [at] : [],
  );
  if (again.length > 0) {
    let resent: Idempotent<MoveResult>[] | undefined;
    try {
      resent = await resend(again.map((at) => changes[at]!));
    } catch (error) {
      if (!isLost(error)) throw error;
    }
    again.forEach((at, i) => (answers[at] = resent?.[i]));
  }
  return answers.map((answer, at) => answer ?? unknown(changes[at]!));
}

async function probeUntilAnswered(
  changes: readonly StockChange[],
  probe: Probe,
  pauses: readonly number[],
): Promise<(RowChange | null)[] | null> {
  for (const pause of pauses) {
    await sleep(pause);
    try {
      return await probe(changes);
    } catch {
      // The database is not answering yet: look again after the next pause.
    }
  }
  return null;
}
