import {
  ApiKeyIdParamsSchema,
  ApiKeyIdSchema,
  CreateApiKeyRequestSchema,
  ERROR_CODES,
  RoleSchema,
} from '@stockwire/domain';
import { z } from 'zod';
import type { StoredApiKey } from '../auth/api-keys.js';
import { component, type OpenApiContribution } from './openapi.js';
import { CREDENTIAL_REQUIRED, roleNote } from './openapi.access.js';
import {
  BODY_ERRORS,
  errorResponses,
  READ_ACCESS_ERRORS,
  roleTooSmall,
  writeErrorResponses,
  type ErrorExample,
} from './openapi.errors.js';
import { jsonBody, type RequestExamples } from './openapi.requests.js';
import { jsonResponse } from './openapi.responses.js';

const Timestamp = z.iso.datetime({ offset: true });

const createApiKeyRequest = component(
  'CreateApiKeyRequest',
  CreateApiKeyRequestSchema,
  'A name of your choosing for the key, and its role.',
);

const ApiKeyShape = {
  id: ApiKeyIdSchema,
  role: RoleSchema,
  created_by: z
    .string()
    .nullable()
    .meta({ description: 'Who made it (`key:<id>`, `user:<sub>`); null for keys made otherwise' }),
  created_at: Timestamp,
  revoked_at: Timestamp.nullable(),
};

const apiKey = component(
  'ApiKey',
  z.object(ApiKeyShape) satisfies z.ZodType<StoredApiKey>,
  'An API key made through the API. Its secret is never shown again: only its hash is kept.',
);

const createdApiKey = component(
  'CreatedApiKey',
  z.object({
    ...ApiKeyShape,
    secret: z.string().meta({
      description: 'Send as `Authorization: Bearer <secret>`. Shown this once only; keep it safe.',
    }),
  }) satisfies z.ZodType<StoredApiKey & { secret: string }>,
);

const ApiKeyIdParams = ApiKeyIdParamsSchema.extend({
  id: ApiKeyIdParamsSchema.shape.id.meta({ description: 'The key id', example: 'pos-terminal-7' }),
});

const KEY_EXAMPLE: StoredApiKey = {
  id: 'pos-terminal-7',
  role: 'staff',
  created_by: 'key:dev-admin',
  created_at: '2026-11-23T09:12:44.301+00:00',
  revoked_at: null,
};

const CREATE_EXAMPLES: RequestExamples<typeof createApiKeyRequest> = {
  staff: { summary: 'A key for a till', value: { id: 'pos-terminal-12', role: 'staff' } },
  admin: { summary: 'A key for stock-taking', value: { id: 'stocktake-app', role: 'admin' } },
};

const BAD_KEY_ID: ErrorExample = {
  summary: 'The key id is malformed',
  message: 'Invalid path: id: letters, digits, - and _, at most 64',
  details: { fields: { id: ['letters, digits, - and _, at most 64'] } },
};

const MANAGE = roleNote({ 'manage keys': 'manage_keys' });

/** `keys.routes.ts` in the OpenAPI document. */
export const keysOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/keys',
    operationId: 'listApiKeys',
    tags: ['access'],
    summary: 'The API keys made through the API',
    description: `Revoked ones too, with when. Keys from the store's configuration (\`API_KEYS\`) are not listed. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    responses: {
      200: jsonResponse('Every key, without secrets', apiKey.array(), {
        keys: {
          value: [
            KEY_EXAMPLE,
            {
              id: 'pos-terminal-9',
              role: 'staff',
              created_by: 'key:dev-admin',
              created_at: '2026-11-20T08:00:02.118+00:00',
              revoked_at: '2026-11-22T17:45:10.962+00:00',
            },
          ],
        },
      }),
      ...errorResponses(
        [...READ_ACCESS_ERRORS, ERROR_CODES.DATABASE_UNAVAILABLE, ERROR_CODES.INTERNAL],
        { forbidden: roleTooSmall('manage_keys') },
      ),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/keys',
    operationId: 'createApiKey',
    tags: ['access'],
    summary: 'Make an API key',
    description: `The answer carries the key's secret, this once: only its hash is kept. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { body: jsonBody(createApiKeyRequest, CREATE_EXAMPLES) },
    responses: {
      201: jsonResponse('The key, with its secret', createdApiKey, {
        created: {
          value: {
            ...KEY_EXAMPLE,
            id: 'pos-terminal-12',
            secret: 'swk_EXAMPLEonlyEXAMPLEonlyEXAMPLEonly',
          },
        },
      }),
      ...writeErrorResponses([...BODY_ERRORS, ERROR_CODES.KEY_EXISTS], roleTooSmall('manage_keys')),
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/keys/{id}',
    operationId: 'revokeApiKey',
    tags: ['access'],
    summary: 'Revoke an API key',
    description: `Every store stops accepting it at once. Revoking a revoked key again changes nothing. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: ApiKeyIdParams },
    responses: {
      200: jsonResponse('The key, revoked', apiKey, {
        revoked: { value: { ...KEY_EXAMPLE, revoked_at: '2026-11-23T12:20:31.407+00:00' } },
      }),
      ...writeErrorResponses(
        [ERROR_CODES.VALIDATION_FAILED, ERROR_CODES.KEY_NOT_FOUND],
        roleTooSmall('manage_keys'),
        { validation_failed: BAD_KEY_ID },
      ),
    },
  });
};
