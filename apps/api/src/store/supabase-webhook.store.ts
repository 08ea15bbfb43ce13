import {
  WEBHOOK_DELIVERY_STATUSES,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  type DeliveriesQuery,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookId,
} from '@stockwire/domain';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type {
  AttemptResult,
  Claim,
  FinishedAttempt,
  NewWebhook,
  QueueStats,
  WebhookChanges,
  WebhookStore,
} from '../webhooks/webhook.store.js';
import type { Database, Json } from './database.types.js';
import { supabaseClient } from './supabase.client.js';
import { SupabaseRpcClient, single } from './supabase-rpc.client.js';
import { readRow, readRows } from './supabase-table.reader.js';

/** Every column but the secret, which only the delivery worker's claim reads. */
const ENDPOINT_COLUMNS =
  'id, url, events, locations, products, description, enabled, failing_since, disabled_reason, created_by, created_at, updated_at';

/** An endpoint as the functions answer it: the row without its secret, or null for none. */
const EndpointAnswerSchema = z
  .looseObject(WebhookEndpointSchema.shape)
  .transform((row) => WebhookEndpointSchema.parse(row))
  .nullable();

const DELIVERY_COLUMNS =
  'id, message_id, event_type, product_id, status, attempts, next_attempt_at, last_status_code, last_error, created_at, finished_at, payload, ' +
  'claimed_by, claimed_at, attempt_id, ' +
  'attempt_log:webhook_attempts(id, worker, outcome, status_code, duration_ms, error, response, started_at, finished_at)';

/**
 * A delivery with its attempts in the order they were made. An attempt's row is written when it
 * ends; the one under way is the delivery's claim (claimed, with an attempt id no row has yet).
 */
const DeliverySchema = WebhookDeliverySchema.extend({
  claimed_by: z.string().nullable(),
  claimed_at: z.string().nullable(),
  attempt_id: z.number().int().nullable(),
}).transform(({ claimed_by, claimed_at, attempt_id, ...d }): WebhookDelivery => {
  const log = d.attempt_log.sort((x, y) => x.id - y.id);
  if (
    d.status === 'pending' &&
    claimed_by !== null &&
    claimed_at !== null &&
    attempt_id !== null &&
    !log.some((a) => a.id === attempt_id)
  )
    log.push({
      id: attempt_id,
      worker: claimed_by,
      outcome: 'in_flight',
      status_code: null,
      duration_ms: null,
      error: null,
      response: null,
      started_at: claimed_at,
      finished_at: null,
    });
  return { ...d, attempt_log: log };
});

const DeliveryIdSchema = z.object({ id: z.number().int() }).loose().nullable();

const ClaimSchema = z.object({
  deliveries: z.array(
    z.object({
      delivery_id: z.number().int(),
      attempt_id: z.number().int(),
      endpoint_id: z.string(),
      url: z.string(),
      secret: z.string(),
      message_id: z.string(),
      event_type: z.string(),
      product_id: z.string().nullable(),
      body: z.string(),
      attempts: z.number().int(),
      created_at: z.string(),
    }),
  ),
}) satisfies z.ZodType<Claim>;

const QueueStatsSchema = z.object({
  queued: z.number().int(),
  oldest_at: z.string().nullable(),
}) satisfies z.ZodType<QueueStats>;

const FinishedSchema = z.array(
  z.object({
    delivery_id: z.number().int(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    endpoint_disabled: z.boolean(),
  }),
) satisfies z.ZodType<FinishedAttempt[]>;

const asJson = (value: unknown) => value as Json;

/** {@link WebhookStore} on Supabase: writes are `rpc` calls to the webhook SQL functions. */
export class SupabaseWebhookStore implements WebhookStore {
  private readonly db: SupabaseClient<Database>;
  private readonly rpc: SupabaseRpcClient;

  constructor(url: string, serviceRoleKey: string) {
    this.db = supabaseClient(url, serviceRoleKey);
    this.rpc = new SupabaseRpcClient(this.db);
  }

  async createWebhook(webhook: NewWebhook): Promise<WebhookEndpoint> {
    const created = await this.rpc.call(
      'create_webhook',
      { webhook: asJson(webhook) },
      single(EndpointAnswerSchema),
    );
    if (!created) throw new Error('create_webhook answered no endpoint');
    return created;
  }

  updateWebhook(id: WebhookId, changes: WebhookChanges): Promise<WebhookEndpoint | null> {
    return this.rpc.call(
      'update_webhook',
      { endpoint_id: id, changes: asJson(changes) },
      single(EndpointAnswerSchema),
    );
  }

  deleteWebhook(id: WebhookId): Promise<WebhookEndpoint | null> {
    return this.rpc.call('delete_webhook', { endpoint_id: id }, single(EndpointAnswerSchema));
  }

  listWebhooks(): Promise<WebhookEndpoint[]> {
    return readRows(
      this.db.from('webhook_endpoints').select(ENDPOINT_COLUMNS).order('created_at'),
      'list webhooks',
      WebhookEndpointSchema,
    );
  }

  getWebhook(id: WebhookId): Promise<WebhookEndpoint | null> {
    return readRow(
      this.db.from('webhook_endpoints').select(ENDPOINT_COLUMNS).eq('id', id).maybeSingle(),
      'read a webhook',
      WebhookEndpointSchema,
    );
  }

  listDeliveries(id: WebhookId, query: DeliveriesQuery): Promise<WebhookDelivery[]> {
    let q = this.db.from('webhook_deliveries').select(DELIVERY_COLUMNS).eq('endpoint_id', id);
    if (query.before !== undefined) q = q.lt('id', query.before);
    return readRows(
      q.order('id', { ascending: false }).limit(query.limit),
      'list webhook deliveries',
      DeliverySchema,
    );
  }

  sendTest(id: WebhookId): Promise<{ id: number } | null> {
    return this.rpc.call('send_test_webhook', { endpoint_id: id }, single(DeliveryIdSchema));
  }

  retryDelivery(id: WebhookId, delivery: number): Promise<{ id: number } | null> {
    return this.rpc.call(
      'retry_webhook_delivery',
      { endpoint_id: id, delivery_id: delivery },
      single(DeliveryIdSchema),
    );
  }

  claimDeliveries(
    worker: string,
    maxKeys: number,
    perKey: number,
    leaseSeconds: number,
  ): Promise<Claim> {
    return this.rpc.call(
      'claim_webhook_deliveries',
      { worker, max_keys: maxKeys, per_key: perKey, lease_seconds: leaseSeconds },
      single(ClaimSchema),
    );
  }

  queueStats(): Promise<QueueStats> {
    return this.rpc.call('webhook_queue_stats', {}, single(QueueStatsSchema));
  }

  finishAttempts(
    worker: string,
    results: readonly AttemptResult[],
    disableAfterSeconds: number,
  ): Promise<FinishedAttempt[]> {
    return this.rpc.call(
      'finish_webhook_attempts',
      { worker, results: asJson(results), disable_after_seconds: disableAfterSeconds },
      single(FinishedSchema),
    );
  }
}
