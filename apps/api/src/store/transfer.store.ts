import type {
  Location,
  StoreName,
  Transfer,
  TransferId,
  TransferLine,
  TransferRefusal,
  TransfersQuery,
} from '@stockwire/domain';
import type { Effects, Idempotent, IdempotencyKey } from './inventory.store.js';

/** Who asks for a step of a transfer, as the ledger records it. */
interface StepOrigin {
  store: StoreName;
  request_id: string | null;
  actor: string;
  idempotency?: IdempotencyKey;
}

/** A transfer to make: every line leaves `from` at once. */
export interface TransferToCreate extends StepOrigin {
  transfer_id: TransferId;
  from: Location;
  to: Location;
  lines: TransferLine[];
}

/** What of a transfer arrived: the given lines, or (none given) all that is in transit. */
export interface TransferReceipt extends StepOrigin {
  transfer_id: TransferId;
  lines?: TransferLine[];
}

export interface TransferCancellation extends StepOrigin {
  transfer_id: TransferId;
}

/** A step's answer: the transfer as it now stands and the row changes to publish, or a refusal. */
export type TransferStepResult = Effects &
  (
    | { ok: true; duplicate?: boolean; transfer: Transfer }
    | ({ ok: false } & Omit<TransferRefusal, 'transfer_id'>)
  );

/** A page of transfers, newest first, and the cursor of the next one. */
export interface TransfersPage {
  transfers: Transfer[];
  next_cursor: number | null;
}

/**
 * Transfers in the system of record. Each step is one atomic call to one SQL function, which moves
 * the stock rows of both ends, writes the ledger and records the transfer in one transaction.
 */
export interface TransferStore {
  createTransfer(transfer: TransferToCreate): Promise<Idempotent<TransferStepResult>>;
  receiveTransfer(receipt: TransferReceipt): Promise<Idempotent<TransferStepResult>>;
  cancelTransfer(cancellation: TransferCancellation): Promise<Idempotent<TransferStepResult>>;
  getTransfer(id: TransferId): Promise<Transfer | null>;
  listTransfers(query: TransfersQuery): Promise<TransfersPage>;
}
