import {
  CreateWebhookRequestSchema,
  DeliveriesQuerySchema,
  UpdateWebhookRequestSchema,
  WebhookDeliveryParamsSchema,
  WebhookIdParamsSchema,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { WebhookService } from '../webhooks/webhook.service.js';
import { reply, type Route, type RouteRequest } from './route.js';
import { parse } from './validate.js';

/** The endpoint a request names, by an admin. */
const endpointOf = (req: RouteRequest) => {
  authorize(req.principal, 'manage_webhooks');
  return parse(WebhookIdParamsSchema, req.params, 'path').id;
};

/** Webhook endpoints, managed by admins; a secret is shown when made or rotated, never again. */
export function webhookRoutes(webhooks: WebhookService): Route[] {
  return [
    {
      method: 'GET',
      path: '/webhooks',
      handle: async (req) => {
        authorize(req.principal, 'manage_webhooks');
        return reply(await webhooks.list());
      },
    },
    {
      method: 'POST',
      path: '/webhooks',
      handle: async (req) => {
        const who = authorize(req.principal, 'manage_webhooks');
        const body = parse(CreateWebhookRequestSchema, req.body, 'request body');
        return reply(await webhooks.create(body, who.actor), 201);
      },
    },
    {
      method: 'GET',
      path: '/webhooks/:id',
      handle: async (req) => reply(await webhooks.get(endpointOf(req))),
    },
    {
      method: 'PATCH',
      path: '/webhooks/:id',
      handle: async (req) => {
        const id = endpointOf(req);
        const changes = parse(UpdateWebhookRequestSchema, req.body, 'request body');
        return reply(await webhooks.update(id, changes));
      },
    },
    {
      method: 'DELETE',
      path: '/webhooks/:id',
      handle: async (req) => {
        return reply(await webhooks.remove(endpointOf(req)));
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:id/rotate-secret',
      handle: async (req) => reply(await webhooks.rotateSecret(endpointOf(req))),
    },
    {
      method: 'POST',
      path: '/webhooks/:id/test',
      handle: async (req) => reply(await webhooks.sendTest(endpointOf(req)), 202),
    },
    {
      method: 'GET',
      path: '/webhooks/:id/deliveries',
      handle: async (req) => {
        const id = endpointOf(req);
        const query = parse(DeliveriesQuerySchema, req.query, 'query');
        return reply(await webhooks.deliveries(id, query));
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:id/deliveries/:delivery/retry',
      handle: async (req) => {
        authorize(req.principal, 'manage_webhooks');
        const { id, delivery } = parse(WebhookDeliveryParamsSchema, req.params, 'path');
        return reply(await webhooks.retry(id, delivery), 202);
      },
    },
  ];
}
