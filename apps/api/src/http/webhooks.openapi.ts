import {
  CreateWebhookRequestSchema,
  DeliveriesQuerySchema,
  ERROR_CODES,
  UpdateWebhookRequestSchema,
  WEBHOOK_EVENTS,
  WebhookDeliveryParamsSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookIdParamsSchema,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '@stockwire/domain';
import { z } from 'zod';
import type { DeliveriesPage, WebhookWithSecret } from '../webhooks/webhook.service.js';
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

const endpoint = component(
  'WebhookEndpoint',
  WebhookEndpointSchema,
  'A system that receives events. Its signing secret is never shown again after it is made.',
);

const endpointWithSecret = component(
  'WebhookEndpointWithSecret',
  WebhookEndpointSchema.extend({
    secret: z.string().meta({
      description:
        'Verifies the `webhook-signature` of every delivery (Standard Webhooks). Shown this once only.',
    }),
  }) satisfies z.ZodType<WebhookWithSecret>,
);

const delivery = component(
  'WebhookDelivery',
  WebhookDeliverySchema,
  'One event queued for one endpoint, with every attempt to deliver it, oldest first.',
);

const deliveriesPage = z.object({
  deliveries: z.array(delivery),
  next_cursor: z.number().int().nullable(),
}) satisfies z.ZodType<DeliveriesPage>;

const queued = z.object({ delivery_id: z.number().int() });

const createRequest = component('CreateWebhookRequest', CreateWebhookRequestSchema);
const updateRequest = component('UpdateWebhookRequest', UpdateWebhookRequestSchema);

const IdParams = WebhookIdParamsSchema.extend({
  id: WebhookIdParamsSchema.shape.id.meta({
    description: 'The endpoint id',
    example: '3f1c9a0e-6b7d-4c2a-9e51-2d8f0b7a6c14',
  }),
});

const ENDPOINT_EXAMPLE: WebhookEndpoint = {
  id: '3f1c9a0e-6b7d-4c2a-9e51-2d8f0b7a6c14',
  url: 'https://shop.example.com/hooks/stockwire',
  events: ['stock.changed', 'stock.low'],
  locations: null,
  products: null,
  description: 'Storefront: hide sold-out items',
  enabled: true,
  failing_since: null,
  disabled_reason: null,
  created_by: 'key:dev-admin',
  created_at: '2026-12-01T09:12:44.301+00:00',
  updated_at: '2026-12-01T09:12:44.301+00:00',
};

const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const DELIVERY_EXAMPLE: WebhookDelivery = {
  id: 812,
  message_id: 'ledger_90211',
  event_type: 'stock.changed',
  product_id: 'OLJCESPC7Z',
  status: 'delivered',
  attempts: 2,
  next_attempt_at: '2026-12-01T10:00:05.120+00:00',
  last_status_code: 200,
  last_error: null,
  created_at: '2026-12-01T10:00:00.018+00:00',
  finished_at: '2026-12-01T10:00:05.161+00:00',
  payload: {
    type: 'stock.changed',
    timestamp: '2026-12-01T10:00:00.018+00:00',
    data: { product_id: 'OLJCESPC7Z', warehouse: 'main-store', quantity: 16, change: -1 },
  },
  attempt_log: [
    {
      id: 1201,
      worker: 'main-store@host:4121:1a2b3c4d',
      outcome: 'retry',
      status_code: 503,
      duration_ms: 41,
      error: null,
      response: 'upstream busy',
      started_at: '2026-12-01T10:00:00.031+00:00',
      finished_at: '2026-12-01T10:00:00.072+00:00',
    },
    {
      id: 1207,
      worker: 'mall-store@host:4188:5e6f7a8b',
      outcome: 'delivered',
      status_code: 200,
      duration_ms: 38,
      error: null,
      response: '',
      started_at: '2026-12-01T10:00:05.123+00:00',
      finished_at: '2026-12-01T10:00:05.161+00:00',
    },
  ],
};

const CREATE_EXAMPLES: RequestExamples<typeof createRequest> = {
  storefront: {
    summary: 'Every stock change and low-stock crossing',
    value: {
      url: 'https://shop.example.com/hooks/stockwire',
      events: ['stock.changed', 'stock.low'],
      description: 'Storefront: hide sold-out items',
    },
  },
  purchasing: {
    summary: 'Low stock at two stores only',
    value: {
      url: 'https://purchasing.example.com/stockwire',
      events: ['stock.low', 'stock.back_in_stock'],
      locations: ['main-store', 'mall-store'],
    },
  },
};

const UPDATE_EXAMPLES: RequestExamples<typeof updateRequest> = {
  pause: { summary: 'Stop deliveries for now (they queue)', value: { enabled: false } },
  events: { summary: 'Take other events', value: { events: ['stock.changed', 'product.created'] } },
};

const URL_REFUSED: ErrorExample = {
  summary: 'The URL points at a loopback, private or link-local address, or is not http(s)',
  message:
    'Invalid request body: url: resolves to 127.0.0.1, a loopback, private or link-local address',
  details: {
    fields: { url: ['resolves to 127.0.0.1, a loopback, private or link-local address'] },
  },
};

const BAD_ID: ErrorExample = {
  summary: 'The endpoint id is not a UUID',
  message: 'Invalid path: id: must be a webhook id (a UUID)',
  details: { fields: { id: ['must be a webhook id (a UUID)'] } },
};

const MANAGE = roleNote({ 'manage webhooks': 'manage_webhooks' });
const FORBIDDEN = roleTooSmall('manage_webhooks');

const readErrors = (codes: readonly (typeof ERROR_CODES)[keyof typeof ERROR_CODES][]) =>
  errorResponses(
    [...codes, ...READ_ACCESS_ERRORS, ERROR_CODES.DATABASE_UNAVAILABLE, ERROR_CODES.INTERNAL],
    { forbidden: FORBIDDEN, validation_failed: BAD_ID },
  );

const ID_ERRORS = [ERROR_CODES.VALIDATION_FAILED, ERROR_CODES.WEBHOOK_NOT_FOUND];

/** `webhooks.routes.ts` in the OpenAPI document. */
export const webhooksOpenApi: OpenApiContribution = (registry) => {
  const events = WEBHOOK_EVENTS.map((e) => `\`${e}\``).join(', ');
  registry.registerPath({
    method: 'get',
    path: '/webhooks',
    operationId: 'listWebhooks',
    tags: ['webhooks'],
    summary: 'The webhook endpoints',
    description: `Every endpoint, enabled or not, without secrets. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    responses: {
      200: jsonResponse('Every endpoint', endpoint.array(), {
        endpoints: { value: [ENDPOINT_EXAMPLE] },
      }),
      ...readErrors([]),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/webhooks',
    operationId: 'createWebhook',
    tags: ['webhooks'],
    summary: 'Add a webhook endpoint',
    description: `Events: ${events}; \`locations\` and \`products\` narrow them. Each delivery is a POST of \`{type, timestamp, data}\` signed as Standard Webhooks specify (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`), at least once, in order per product, retried with backoff for 24 h on timeouts, connection errors, 5xx and 429. The answer carries the signing secret, this once. URLs that are not http(s), or point at loopback, private or link-local addresses (checked after DNS resolution, and again at every delivery), are refused unless the store runs with \`WEBHOOKS_ALLOW_PRIVATE=true\`. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { body: jsonBody(createRequest, CREATE_EXAMPLES) },
    responses: {
      201: jsonResponse('The endpoint, with its secret', endpointWithSecret, {
        created: { value: { ...ENDPOINT_EXAMPLE, secret: SECRET_EXAMPLE } },
      }),
      ...writeErrorResponses([...BODY_ERRORS, ERROR_CODES.URL_NOT_ALLOWED], FORBIDDEN, {
        url_not_allowed: URL_REFUSED,
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/webhooks/{id}',
    operationId: 'getWebhook',
    tags: ['webhooks'],
    summary: 'One webhook endpoint',
    description: `Without its secret. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: IdParams },
    responses: {
      200: jsonResponse('The endpoint', endpoint, { endpoint: { value: ENDPOINT_EXAMPLE } }),
      ...readErrors(ID_ERRORS),
    },
  });

  registry.registerPath({
    method: 'patch',
    path: '/webhooks/{id}',
    operationId: 'updateWebhook',
    tags: ['webhooks'],
    summary: 'Change a webhook endpoint',
    description: `Changes what the body names. A disabled endpoint keeps its deliveries queued; enabling it again delivers them and forgets its failures. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: IdParams, body: jsonBody(updateRequest, UPDATE_EXAMPLES) },
    responses: {
      200: jsonResponse('The endpoint, changed', endpoint, {
        paused: {
          value: { ...ENDPOINT_EXAMPLE, enabled: false, disabled_reason: 'disabled by an admin' },
        },
      }),
      ...writeErrorResponses(
        [...BODY_ERRORS, ERROR_CODES.URL_NOT_ALLOWED, ERROR_CODES.WEBHOOK_NOT_FOUND],
        FORBIDDEN,
        { url_not_allowed: URL_REFUSED },
      ),
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/webhooks/{id}',
    operationId: 'deleteWebhook',
    tags: ['webhooks'],
    summary: 'Remove a webhook endpoint',
    description: `Its queued deliveries and their log go with it. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: IdParams },
    responses: {
      200: jsonResponse('The endpoint as it was', endpoint, {
        removed: { value: ENDPOINT_EXAMPLE },
      }),
      ...writeErrorResponses(ID_ERRORS, FORBIDDEN, { validation_failed: BAD_ID }),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tags: ['webhooks'],
    summary: "Replace an endpoint's signing secret",
    description: `Every delivery from now on, retries included, is signed with the new secret, shown this once. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: IdParams },
    responses: {
      200: jsonResponse('The endpoint, with its new secret', endpointWithSecret, {
        rotated: { value: { ...ENDPOINT_EXAMPLE, secret: SECRET_EXAMPLE } },
      }),
      ...writeErrorResponses(ID_ERRORS, FORBIDDEN, { validation_failed: BAD_ID }),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/webhooks/{id}/test',
    operationId: 'testWebhook',
    tags: ['webhooks'],
    summary: 'Send a test message',
    description: `Queues a \`webhook.test\` message for the endpoint, delivered and logged like any other. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: IdParams },
    responses: {
      202: jsonResponse('Queued', queued, { queued: { value: { delivery_id: 813 } } }),
      ...writeErrorResponses(ID_ERRORS, FORBIDDEN, { validation_failed: BAD_ID }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tags: ['webhooks'],
    summary: "An endpoint's deliveries, newest first, with every attempt",
    description: `Page with \`before\` = the last page's \`next_cursor\`. ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: { params: IdParams, query: DeliveriesQuerySchema },
    responses: {
      200: jsonResponse('A page of deliveries', deliveriesPage, {
        page: { value: { deliveries: [DELIVERY_EXAMPLE], next_cursor: null } },
      }),
      ...readErrors(ID_ERRORS),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/webhooks/{id}/deliveries/{delivery}/retry',
    operationId: 'retryWebhookDelivery',
    tags: ['webhooks'],
    summary: 'Deliver again',
    description: `Makes a delivery due now, whatever its state: a failed one is tried again, a delivered one sent again (same \`webhook-id\`). ${MANAGE}`,
    security: CREDENTIAL_REQUIRED,
    request: {
      params: WebhookDeliveryParamsSchema.extend({
        id: IdParams.shape.id,
        delivery: WebhookDeliveryParamsSchema.shape.delivery.meta({
          description: 'The delivery id',
          example: '812',
        }),
      }),
    },
    responses: {
      202: jsonResponse('Queued', queued, { queued: { value: { delivery_id: 812 } } }),
      ...writeErrorResponses([...ID_ERRORS, ERROR_CODES.DELIVERY_NOT_FOUND], FORBIDDEN, {
        validation_failed: BAD_ID,
      }),
    },
  });
};
