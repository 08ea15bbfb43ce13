import { z } from 'zod';
import { ERROR_CODES, StockwireError } from './errors.js';
import { pageLimitParam, CursorParamSchema, HISTORY_PAGE_DEFAULT } from './history.js';
import { LocationSchema, ProductIdSchema, type Location, type ProductId } from './ids.js';
import { MAX_CHANGE } from './requests.js';
import { QuantitySchema } from './stock.js';
import { locationError, type RefusalCode } from './refusals.js';

/** A transfer's id: chosen by the caller to make a create safe to retry, or made for it. */
export const TransferIdSchema = z
  .string()
  .regex(/^[\w.:-]{1,128}$/, 'letters, digits, _ . : -, at most 128');
export type TransferId = z.infer<typeof TransferIdSchema>;

/** One line of a transfer or of a receipt: a product and how many units. */
export const TransferLineSchema = z.strictObject({
  product_id: ProductIdSchema,
  quantity: z.number().int().min(1).max(MAX_CHANGE),
});
export type TransferLine = z.infer<typeof TransferLineSchema>;

/** Lines naming each product once: a second line for a product is refused at its product_id. */
const TransferLinesSchema = z
  .array(TransferLineSchema)
  .min(1)
  .max(100)
  .superRefine((lines, ctx) => {
    const seen = new Set<string>();
    lines.forEach((line, i) => {
      if (seen.has(line.product_id)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'product_id'],
          message: `${line.product_id} is on an earlier line`,
        });
      }
      seen.add(line.product_id);
    });
  });

/** Body of `POST /transfers`. */
export const CreateTransferRequestSchema = z
  .strictObject({
    transfer_id: TransferIdSchema.optional(),
    from: LocationSchema,
    to: LocationSchema,
    lines: TransferLinesSchema,
  })
  .superRefine((body, ctx) => {
    if (body.from === body.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must differ from from' });
    }
  });
export type CreateTransferRequest = z.infer<typeof CreateTransferRequestSchema>;

/** Body of `POST /transfers/{id}/receive`: the quantities that arrived, or none for all of it. */
export const ReceiveTransferBodySchema = z.strictObject({ lines: TransferLinesSchema.optional() });

/** {@link ReceiveTransferBodySchema}, or no body at all: everything in transit arrived. */
export const ReceiveTransferRequestSchema = ReceiveTransferBodySchema.optional().transform(
  (body) => body ?? {},
);
export type ReceiveTransferRequest = z.infer<typeof ReceiveTransferRequestSchema>;

export const TransferIdParamsSchema = z.object({ id: TransferIdSchema });

/**
 * Where a transfer stands: nothing received yet, some received and the rest on its way, all
 * received, or cancelled (what was in transit went back). The last two are finished.
 */
export const TRANSFER_STATUSES = [
  'in_transit',
  'partially_received',
  'received',
  'cancelled',
] as const;
export const TransferStatusSchema = z.enum(TRANSFER_STATUSES);
export type TransferStatus = z.infer<typeof TransferStatusSchema>;

/** A transfer as the API shows it. Every line keeps quantity = received + cancelled + in transit. */
export const TransferSchema = z.object({
  transfer_id: TransferIdSchema,
  from: LocationSchema,
  to: LocationSchema,
  status: TransferStatusSchema,
  /** How many receipts it has had. */
  receipts: z.number().int().nonnegative(),
  /** The store that made it, and who. */
  store: LocationSchema,
  actor: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  lines: z.array(
    z.object({
      product_id: ProductIdSchema,
      quantity: QuantitySchema,
      received: QuantitySchema,
      cancelled: QuantitySchema,
      in_transit: QuantitySchema,
    }),
  ),
});
export type Transfer = z.infer<typeof TransferSchema>;

/** The largest page of `GET /transfers`. */
export const TRANSFER_PAGE_MAX = 200;

/** Query of `GET /transfers`: newest first, narrowed by status and either end or both. */
export const TransfersQuerySchema = z.strictObject({
  status: TransferStatusSchema.optional(),
  /** Transfers from or to this location. */
  location: LocationSchema.optional(),
  from: LocationSchema.optional(),
  to: LocationSchema.optional(),
  /** `next_cursor` of the page before. */
  cursor: CursorParamSchema.optional(),
  limit: pageLimitParam(TRANSFER_PAGE_MAX).default(HISTORY_PAGE_DEFAULT),
});
export type TransfersQuery = z.output<typeof TransfersQuerySchema>;

/** Why the database refused a step of a transfer; nothing of it was written. */
export type TransferRefusalCode =
  | RefusalCode
  | 'transfer_not_found'
  | 'transfer_exists'
  | 'transfer_finished'
  | 'transfer_line_not_found'
  | 'transfer_quantity_exceeded';

/** What a refusal names: the transfer, an end of it, or one line of the request. */
export interface TransferRefusal {
  code: TransferRefusalCode;
  transfer_id: TransferId;
  transfer?: Transfer;
  field?: 'from' | 'to';
  location?: Location;
  line?: {
    index: number;
    product_id: ProductId;
    /** Where the line was refused, for a shortage. */
    location?: Location;
    available?: number;
    in_transit?: number;
  };
}

/** The error a refused step of a transfer is answered with. */
export function transferRefusalError(refusal: TransferRefusal): StockwireError {
  const { code, transfer_id: id, line } = refusal;
  const at = line && { field: `lines.${line.index}`, product_id: line.product_id };
  switch (code) {
    case 'transfer_not_found':
      return new StockwireError(ERROR_CODES.TRANSFER_NOT_FOUND, `Transfer ${id} does not exist`);
    case 'transfer_exists':
      return new StockwireError(
        ERROR_CODES.TRANSFER_EXISTS,
        `Transfer ${id} was already made with another from, to or lines`,
        { field: 'transfer_id', transfer: refusal.transfer },
      );
    case 'transfer_finished':
      return new StockwireError(
        ERROR_CODES.TRANSFER_FINISHED,
        `Transfer ${id} is ${refusal.transfer?.status ?? 'finished'}: nothing is in transit`,
        { status: refusal.transfer?.status },
      );
    case 'transfer_line_not_found':
      return new StockwireError(
        ERROR_CODES.TRANSFER_LINE_NOT_FOUND,
        `Transfer ${id} carries no ${line?.product_id}`,
        at,
      );
    case 'transfer_quantity_exceeded':
      return new StockwireError(
        ERROR_CODES.TRANSFER_QUANTITY_EXCEEDED,
        `Only ${line?.in_transit ?? 0} of ${line?.product_id} are in transit on transfer ${id}`,
        { ...at, in_transit: line?.in_transit ?? 0 },
      );
    case 'location_not_found':
    case 'location_inactive': {
      const error = locationError(code, refusal.location ?? '');
      return new StockwireError(error.code, error.message, {
        field: refusal.field,
        location: refusal.location,
      });
    }
    case 'product_not_found':
      return new StockwireError(
        ERROR_CODES.PRODUCT_NOT_FOUND,
        `Product ${line?.product_id} does not exist`,
        at,
      );
    case 'insufficient_stock':
      return new StockwireError(
        ERROR_CODES.INSUFFICIENT_STOCK,
        `Not enough ${line?.product_id} at ${line?.location}: ${line?.available ?? 0} available`,
        { ...at, available_stock: line?.available ?? 0, warehouse: line?.location },
      );
    case 'quantity_out_of_range':
      return new StockwireError(
        ERROR_CODES.QUANTITY_OUT_OF_RANGE,
        `Stock of ${line?.product_id} would exceed the largest quantity stored`,
        at,
      );
    case 'invalid_change':
      return new StockwireError(ERROR_CODES.INVALID_CHANGE, 'quantity does not fit', at);
  }
}
