import { z } from 'zod';
import { CursorParamSchema, pageLimitParam } from './history.js';
import { LocationSchema, ProductIdSchema } from './ids.js';

/** Events an endpoint may subscribe to. `webhook.test` is sent by `POST /webhooks/{id}/test` only. */
export const WEBHOOK_EVENTS = [
  'stock.changed',
  'stock.low',
  'stock.back_in_stock',
  'reorder.needed',
  'product.created',
  'order.placed',
  'reservation.expired',
  'transfer.created',
  'transfer.received',
  'transfer.cancelled',
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

/** When something happened: ISO 8601 with offset, as the database writes it. */
const Timestamp = z.string().meta({ format: 'date-time' });

/** An endpoint as the API shows it: never its secret. */
export const WebhookEndpointSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(WebhookEventSchema),
  locations: z
    .array(z.string())
    .nullable()
    .meta({ description: 'Only events at these; null: all' }),
  products: z.array(z.string()).nullable().meta({ description: 'Only events of these; null: all' }),
  description: z.string(),
  enabled: z.boolean(),
  failing_since: Timestamp.nullable().meta({
    description: 'Since when every attempt has failed; a day of it disables the endpoint',
  }),
  disabled_reason: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

export const WEBHOOK_ATTEMPT_OUTCOMES = [
  'in_flight',
  'delivered',
  'retry',
  'failed',
  'lease_expired',
] as const;

/** One attempt to deliver, as logged. */
export const WebhookAttemptSchema = z.object({
  id: z.number().int(),
  worker: z.string().meta({ description: 'The store instance that made the attempt' }),
  outcome: z.enum(WEBHOOK_ATTEMPT_OUTCOMES),
  status_code: z.number().int().nullable(),
  duration_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  response: z.string().nullable().meta({ description: "The first bytes of the receiver's answer" }),
  started_at: Timestamp,
  finished_at: Timestamp.nullable(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttemptSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** One event queued for one endpoint, with its attempts, oldest first. */
export const WebhookDeliverySchema = z.object({
  id: z.number().int(),
  message_id: z
    .string()
    .meta({ description: 'The `webhook-id` header, the same on every attempt' }),
  event_type: z.string(),
  product_id: z.string().nullable(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  next_attempt_at: Timestamp,
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: Timestamp,
  finished_at: Timestamp.nullable(),
  payload: z.unknown().meta({ description: 'The body sent: `{type, timestamp, data}`' }),
  attempt_log: z.array(WebhookAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
