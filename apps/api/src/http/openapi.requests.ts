import type { ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import { IdempotencyKeySchema, ProductIdParamsSchema } from '@stockwire/domain';
import { z } from 'zod';

/** Named examples of a request body, each one the schema accepts. */
export type RequestExamples<S extends z.ZodType> = Record<
  string,
  { summary: string; value: z.input<S> }
>;

/** The required JSON body of an operation, with its schema and named examples for "Try it out". */
export function jsonBody<S extends z.ZodType>(
  schema: S,
  examples: RequestExamples<S>,
): ZodRequestBody {
  return { required: true, content: { 'application/json': { schema, examples } } };
}

/** The `{product_id}` path parameter as the routes validate it, with an example for "Try it out". */
export const ProductIdParams = ProductIdParamsSchema.extend({
  product_id: ProductIdParamsSchema.shape.product_id.meta({
    description: 'The product id',
    example: 'OLJCESPC7Z',
  }),
});

/** The optional `X-Request-Id` header that writes record in the ledger. */
export const RequestIdHeaders = z.object({
  'x-request-id': z
    .string()
    .regex(/^[\w.:-]{1,128}$/)
    .optional()
    .meta({
      description:
        'Recorded in the ledger with the change; one is generated when absent or malformed.',
      example: 'checkout-7f3a91',
    }),
});

/** The optional `Idempotency-Key` header of the writes that honour it, with `X-Request-Id`. */
export const IdempotentWriteHeaders = RequestIdHeaders.extend({
  // No example: "Try it out" would fill it in, and every second try would be a replay.
  'Idempotency-Key': IdempotencyKeySchema.optional().meta({
    description:
      'Makes the write safe to retry, at any store: a retry with the same key and body gets the first response again (with `Idempotent-Replayed: true`) and changes nothing; the same key with another body is refused with 422. Printable ASCII, up to 255 characters, e.g. one UUID per checkout step, sent again with each retry of it; kept for a day.',
  }),
});
