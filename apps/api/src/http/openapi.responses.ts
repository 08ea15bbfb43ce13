import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** A JSON response with a schema and named examples. */
export function jsonResponse(
  description: string,
  schema: z.ZodType,
  examples: Record<string, { summary?: string; value: unknown }>,
): ResponseConfig {
  return { description, content: { 'application/json': { schema, examples } } };
}

/** The answer of a route that serves one of the store's HTML pages. */
export const HTML_PAGE: ResponseConfig = {
  description: 'An HTML page',
  content: {
    'text/html': {
      schema: z.string(),
      examples: { page: { value: '<!doctype html><html lang="en">…</html>' } },
    },
  },
};

/** Response headers of a write that honours `Idempotency-Key`. */
export const ReplayHeaders = z.object({
  'Idempotent-Replayed': z
    .literal('true')
    .optional()
    .meta({ description: 'Set when this is a replay: the first response to this key, again' }),
});
