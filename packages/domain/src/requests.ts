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
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
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
