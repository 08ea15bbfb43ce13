import {
  zodToOpenAPIRegistry,
  type OpenAPIRegistry,
  type OpenApiGeneratorV31,
} from '@asteasolutions/zod-to-openapi';
import { ERROR_CODES, type ErrorCode } from '@stockwire/domain';
import { z } from 'zod';

/** The OpenAPI document as served at `GET /openapi.json`. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/**
 * What a routes file adds to the document: it registers its operations (`registry.registerPath`),
 * with the same domain schemas its handlers validate with. Listed in `api.openapi.ts`.
 */
export type OpenApiContribution = (registry: OpenAPIRegistry) => void;

/**
 * Names a schema as a component of the document (`#/components/schemas/<name>`), so every operation
 * that uses it, directly or nested, refers to it. The schema itself is named, not a copy: the domain
 * schemas that validate requests are the ones documented.
 */
export function component<T extends z.ZodType>(name: string, schema: T, description?: string): T {
  // The generator's own metadata store; `.openapi()` would need zod's prototype patched before the
  // domain's schemas are created.
  zodToOpenAPIRegistry.add(schema, {
    ...zodToOpenAPIRegistry.get(schema),
    ...(description === undefined ? {} : { description }),
    _internal: { refId: name },
  });
  return schema;
}

const CODES = Object.values(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The body of every error response. */
export const ErrorBodySchema = component(
  'Error',
  z.object({
    error: z
      .object({
        code: z.enum(CODES),
        message: z.string(),
        fields: z
          .record(z.string(), z.array(z.string()))
          .optional()
          .meta({ description: 'Each bad field with its messages (`body` for the whole body)' }),
      })
      .catchall(z.unknown())
      .meta({ description: 'Further details depend on the code, e.g. `available_stock`' }),
  }),
);
