import { z } from 'zod';
import type { OpenApiContribution } from './openapi.js';
import { HTML_PAGE } from './openapi.responses.js';

/** `docs.routes.ts` in the OpenAPI document. */
export const docsOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['pages'],
    summary: 'This document',
    description: 'OpenAPI 3.1, generated from the zod schemas that validate the requests.',
    responses: {
      200: {
        description: 'The OpenAPI document',
        content: {
          'application/json': {
            schema: z.object({ openapi: z.string() }).catchall(z.unknown()),
            examples: {
              document: {
                summary: 'Its first fields',
                value: { openapi: '3.1.0', info: { title: 'Stockwire', version: '1.0.0' } },
              },
            },
          },
        },
      },
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/docs',
    operationId: 'getDocsPage',
    tags: ['pages'],
    summary: 'Swagger UI on this document',
    description: '"Try it out" sends its requests to the store that served the page.',
    responses: {
      200: HTML_PAGE,
    },
  });
};
