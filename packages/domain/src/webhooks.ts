import { z } from 'zod';
import { CursorParamSchema, pageLimitParam } from './history.js';
import { LocationSchema, ProductIdSchema } from './ids.js';

/** Events an endpoint may subscribe to. `webhook.test` is sent by `POST /webhooks/{id}/test` only. */
export const WEBHOOK_EVENTS = [
  'stock.changed',
  'stock.low',
  'stock.back_in_stock',
  'product.created',
  'order.placed',
  'reservation.expired',
] as const;
export const WebhookEventSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** The id of a webhook endpoint (a UUID). */
export type WebhookId = string;

/**
 * A URL a webhook is sent to, without credentials in it. Its scheme (`http(s)` only) and where it
 * points are the store's to check (`url_not_allowed`).
 */
export const WebhookUrlSchema = z
  .string()
  .max(2048, 'at most 2048 characters')
  .refine((s) => URL.canParse(s), 'must be an absolute URL')
  .refine(
    (s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''),
    'must not carry a user name or password',
  );

const EventsSchema = z
  .array(WebhookEventSchema)
  .min(1, 'name at least one event')
  .max(WEBHOOK_EVENTS.length)
  .transform((events) => [...new Set(events)]);

/** Body of `POST /webhooks`. `locations`/`products`: only events about these (null: all). */
export const CreateWebhookRequestSchema = z.strictObject({
  url: WebhookUrlSchema,
  events: EventsSchema,
  description: z.string().max(500, 'at most 500 characters').optional(),
  locations: z.array(LocationSchema).min(1).max(100).nullable().optional(),
  products: z.array(ProductIdSchema).min(1).max(1000).nullable().optional(),
});
export type CreateWebhookRequest = z.output<typeof CreateWebhookRequestSchema>;

/** Body of `PATCH /webhooks/{id}`: what to change. */
export const UpdateWebhookRequestSchema = CreateWebhookRequestSchema.partial()
  .extend({ enabled: z.boolean().optional() })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change');
export type UpdateWebhookRequest = z.output<typeof UpdateWebhookRequestSchema>;

export const WebhookIdParamsSchema = z.object({ id: z.uuid('must be a webhook id (a UUID)') });

export const WebhookDeliveryParamsSchema = WebhookIdParamsSchema.extend({
  delivery: CursorParamSchema,
});

/** Rows per page of `GET /webhooks/{id}/deliveries` unless `limit` says otherwise. */
export const DELIVERIES_PAGE_DEFAULT = 50;

/** Query of `GET /webhooks/{id}/deliveries`: newest first, `before` a delivery id. */
export const DeliveriesQuerySchema = z.strictObject({
  before: CursorParamSchema.optional(),
  limit: pageLimitParam(200).default(DELIVERIES_PAGE_DEFAULT),
});
export type DeliveriesQuery = z.output<typeof DeliveriesQuerySchema>;

/** An endpoint as the API shows it: never its secret. */
export interface WebhookEndpoint {
  id: WebhookId;
  url: string;
  events: WebhookEvent[];
  locations: string[] | null;
  products: string[] | null;
  description: string;
  enabled: boolean;
  failing_since: string | null;
  disabled_reason: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export type WebhookAttemptOutcome =
  'in_flight' | 'delivered' | 'retry' | 'failed' | 'lease_expired';

/** One attempt to deliver, as logged. */
export interface WebhookAttempt {
  id: number;
  worker: string;
  outcome: WebhookAttemptOutcome;
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
  /** The first bytes of the receiver's answer. */
  response: string | null;
  started_at: string;
  finished_at: string | null;
}

/** One event queued for one endpoint, with its attempts, oldest first. */
export interface WebhookDelivery {
  id: number;
  message_id: string;
  event_type: string;
  product_id: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
  payload: unknown;
  attempt_log: WebhookAttempt[];
}
