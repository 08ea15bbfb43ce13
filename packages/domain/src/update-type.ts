import { z } from 'zod';

export const UPDATE_TYPES = ['sale', 'restock', 'adjustment', 'return', 'damage'] as const;
export const UpdateTypeSchema = z.enum(UPDATE_TYPES);
export type UpdateType = z.infer<typeof UpdateTypeSchema>;

/**
 * The sign a change must have for its update type. A sale that adds stock or a restock that
 * removes it is a caller's mistake, not a movement worth recording.
 */
export const CHANGE_SIGN: Record<UpdateType, 'negative' | 'positive' | 'any'> = {
  sale: 'negative',
  damage: 'negative',
  restock: 'positive',
  return: 'positive',
  adjustment: 'any',
};

/** Whether `change` has the sign its update type requires (zero is never a movement). */
export function changeFitsType(updateType: UpdateType, change: number): boolean {
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
 * service), which the database records itself. No request may claim `external`.
 */
export const LEDGER_TYPES = [...UPDATE_TYPES, 'external'] as const;
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
