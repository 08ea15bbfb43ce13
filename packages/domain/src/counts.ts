import { z } from 'zod';
import { LocationSchema, ProductIdSchema, type Location, type ProductId } from './ids.js';
import { OrderIdSchema } from './requests.js';
import { QuantitySchema } from './stock.js';

/** The most lines one count may carry. */
export const COUNT_LINES_MAX = 1000;

/** A caller-chosen count id: a retry with the same one applies nothing more. */
export const CountIdSchema = OrderIdSchema;

export const CountLineSchema = z.strictObject({
  product_id: ProductIdSchema,
  /** What is on the shelf: on hand becomes this. */
  counted: QuantitySchema,
});
export type CountLine = z.infer<typeof CountLineSchema>;

/**
 * Body of `POST /counts`. `all_or_nothing` (default true): a refused line refuses the whole count,
 * nothing written; false: the other lines are applied and the refused ones reported.
 */
export const CountRequestSchema = z.strictObject({
  count_id: CountIdSchema.optional(),
  location: LocationSchema,
  lines: z
    .array(CountLineSchema)
    .min(1)
    .max(COUNT_LINES_MAX)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, index) => {
        if (seen.has(line.product_id)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'product_id'],
            message: `product ${line.product_id} is counted twice`,
          });
        }
        seen.add(line.product_id);
      });
    }),
  all_or_nothing: z.boolean().default(true),
});
export type CountRequest = z.infer<typeof CountRequestSchema>;

/** Why a line of a count was refused. */
export type CountRefusalCode = 'count_below_reserved' | 'product_not_found';

/** One line of a count as applied: on hand was `previous_on_hand`, and is now `counted`. */
export interface AppliedCountLine {
  index: number;
  product_id: ProductId;
  counted: number;
  previous_on_hand: number;
  /** counted − previous_on_hand: the change of the adjustment ledger row (none when 0). */
  variance: number;
  /** The adjustment ledger row; null when nothing changed. */
  event_id: number | null;
}

/** One line of a count as refused: nothing was written for it. */
export interface RefusedCountLine {
  index: number;
  product_id: ProductId;
  counted: number;
  code: CountRefusalCode;
  /** Units held at the location for checkouts, which a count may not go below. */
  reserved: number;
}

export type CountLineResult = AppliedCountLine | RefusedCountLine;

/** `POST /counts` response body. */
export interface CountResponse {
  count_id: string;
  location: Location;
  all_or_nothing: boolean;
  /** The count_id was recorded before: this is its first answer, and nothing more was applied. */
  duplicate: boolean;
  lines: (AppliedCountLine | (RefusedCountLine & { error: { code: string; message: string } }))[];
}
