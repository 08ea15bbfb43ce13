import { z } from 'zod';
import { LocationSchema, ProductIdSchema } from './ids.js';
import { changeFitsType, CHANGE_SIGN, UpdateTypeSchema } from './update-type.js';

/** The largest single movement accepted; larger ones are almost certainly typing mistakes. */
export const MAX_CHANGE = 1_000_000;

export const ProductIdParamsSchema = z.object({ product_id: ProductIdSchema });

/** Body of `POST /inventory/{product_id}/update`. */
export const StockUpdateRequestSchema = z
  .strictObject({
    warehouse: LocationSchema.optional(),
    change: z.number().int().min(-MAX_CHANGE).max(MAX_CHANGE),
    update_type: UpdateTypeSchema,
  })
  .superRefine((body, ctx) => {
    if (!changeFitsType(body.update_type, body.change)) {
      const sign = CHANGE_SIGN[body.update_type];
      ctx.addIssue({
        code: 'custom',
        path: ['change'],
        message:
          sign === 'any' ? 'must not be 0' : `must be ${sign} for update_type ${body.update_type}`,
      });
    }
  });
export type StockUpdateRequest = z.infer<typeof StockUpdateRequestSchema>;

/** Body of `POST /products`. */
export const CreateProductRequestSchema = z.strictObject({
  product_id: ProductIdSchema.optional(),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  low_stock_threshold: z.number().int().min(0).max(MAX_CHANGE).default(10),
  /** Initial on-hand quantity per location. */
  stock: z.record(LocationSchema, z.number().int().min(0).max(MAX_CHANGE)).default({}),
});
export type CreateProductRequest = z.infer<typeof CreateProductRequestSchema>;

/** Field name → messages, the shape every 400 carries. */
export type FieldErrors = Record<string, string[]>;

/** Flattens zod issues to field paths (`lines.0.quantity`), `body` for the value as a whole. */
/** Field errors in one line, as error messages say them: `change: must be negative; warehouse: …`. */
export function describeFieldErrors(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
    .join('; ');
}

export function fieldErrors(error: z.ZodError): FieldErrors {
  // No prototype: a field may be called `toString` or `constructor`.
  const fields = Object.create(null) as FieldErrors;
  for (const issue of error.issues) {
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const name = path.length === 0 ? 'body' : path.map(String).join('.');
      const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
      (fields[name] ??= []).push(message);
    }
  }
  return fields;
}

/** Limits of a hold's lifetime, in seconds. */
export const MAX_TTL_SECONDS = 24 * 3600;

/** A client's own id, sent with holds to be told when they expire. */
export const ClientIdSchema = z
  .string()
  .regex(/^[\w.:-]{1,128}$/, 'letters, digits, _ . : -, at most 128');

/** Body of `POST /inventory/{product_id}/reserve`. */
export const ReserveRequestSchema = z.strictObject({
  quantity: z.number().int().min(1).max(MAX_CHANGE),
  warehouse: LocationSchema.optional(),
  ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  client_id: ClientIdSchema.optional(),
});
export type ReserveRequest = z.infer<typeof ReserveRequestSchema>;

export const ReservationIdParamsSchema = z.object({ id: z.uuid() });

/** An order id; numeric ids (as the order queues of earlier services send) are taken as text. */
export const OrderIdSchema = z
  .union([z.string(), z.int().nonnegative()])
  .transform(String)
  .pipe(z.string().regex(/^[\w.:-]{1,128}$/, 'letters, digits, _ . : -, at most 128'));

const OrderLineSchema = z.strictObject({
  product_id: ProductIdSchema,
  quantity: z.number().int().min(1).max(MAX_CHANGE),
  warehouse: LocationSchema.optional(),
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

/** An order: `{order_id, lines: [{product_id, quantity, warehouse?}]}`. */
export const OrderRequestSchema = z.strictObject({
  order_id: OrderIdSchema,
  lines: z.array(OrderLineSchema).min(1).max(100),
});
export type OrderRequest = z.infer<typeof OrderRequestSchema>;

/** The single-line form `{order_id, product_id, quantity, warehouse?}` of the order queues Stockwire replaces. */
export const SingleLineOrderSchema = OrderLineSchema.extend({ order_id: OrderIdSchema }).transform(
  ({ order_id, ...line }): OrderRequest => ({ order_id, lines: [line] }),
);

/** The schema that fits an order body: with `lines`, or the single-line form. */
export function orderSchemaFor(body: unknown): z.ZodType<OrderRequest, unknown> {
  return typeof body === 'object' && body !== null && 'lines' in body
    ? OrderRequestSchema
    : SingleLineOrderSchema;
}

/** The answer to an order, over HTTP and on the `order_validate_response` stream. */
export interface OrderResponse {
  order_id: string;
  success: boolean;
  message: string;
  order_data: unknown;
}

/** Header carrying a client-chosen key that makes a POST safe to retry. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'printable ASCII, 1 to 255 characters');
