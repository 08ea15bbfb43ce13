import { z } from 'zod';

export const UPDATE_TYPES = ['sale', 'restock', 'adjustment', 'return', 'damage'] as const;
export const UpdateTypeSchema = z.enum(UPDATE_TYPES);
export type UpdateType = z.infer<typeof UpdateTypeSchema>;

/**
 * The steps of a transfer, as its ledger rows name them: units leave the origin (`transfer_out`),
 * arrive at the destination (`transfer_in`), or go back to the origin when the transfer is
 * cancelled (`transfer_cancel`, not `transfer_in`, so that a return is never read as a receipt).
 * Only the transfer endpoints make them.
 */
export const TRANSFER_TYPES = ['transfer_out', 'transfer_in', 'transfer_cancel'] as const;
export type TransferType = (typeof TRANSFER_TYPES)[number];

/** Every movement with a sign rule: what a request may ask for, and the steps of a transfer. */
export const SIGNED_TYPES = [...UPDATE_TYPES, ...TRANSFER_TYPES] as const;
export type SignedType = (typeof SIGNED_TYPES)[number];

/**
 * The sign a change must have for its update type. A sale that adds stock or a restock that
 * removes it is a caller's mistake, not a movement worth recording.
 */
export const CHANGE_SIGN: Record<SignedType, 'negative' | 'positive' | 'any'> = {
  sale: 'negative',
  damage: 'negative',
  restock: 'positive',
  return: 'positive',
  adjustment: 'any',
  transfer_out: 'negative',
  transfer_in: 'positive',
  transfer_cancel: 'positive',
};

/** Whether `change` has the sign its update type requires (zero is never a movement). */
export function changeFitsType(updateType: SignedType, change: number): boolean {
  if (change === 0) return false;
  switch (CHANGE_SIGN[updateType]) {
    case 'negative':
      return change < 0;
    case 'positive':
      return change > 0;
    case 'any':
      return true;
  }
}

/**
 * What a ledger row can record: a movement a store was asked for, or `external`, a change of on-hand
 * stock written to the table by something other than Stockwire's functions (psql, Studio, another
 * service), which the database records itself. No request may claim `external` or a transfer's
 * steps.
 */
export const LEDGER_TYPES = [...SIGNED_TYPES, 'external'] as const;
export const LedgerTypeSchema = z.enum(LEDGER_TYPES);
export type LedgerType = z.infer<typeof LedgerTypeSchema>;

/**
 * What a stock row change can be: a ledger movement, a change to what is held for checkouts, or
 * `reorder_point`, a change of the row's reorder point or quantity (no stock moves).
 */
export const MOVEMENT_TYPES = [
  ...LEDGER_TYPES,
  'reserve',
  'release',
  'expire',
  'reorder_point',
] as const;
export const MovementTypeSchema = z.enum(MOVEMENT_TYPES);
export type MovementType = z.infer<typeof MovementTypeSchema>;
