import type {
  CreateWebhookRequest,
  DeliveriesQuery,
  UpdateWebhookRequest,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookId,
} from '@stockwire/domain';

/** An endpoint to record, with the secret that signs its deliveries. */
export type NewWebhook = CreateWebhookRequest & { secret: string; created_by: string };

/** What to change of an endpoint; a new secret when it is rotated. */
export type WebhookChanges = UpdateWebhookRequest & { secret?: string };

/** A delivery a worker holds the lease on, with what it needs to send it. */
export interface ClaimedDelivery {
  delivery_id: number;
  attempt_id: number;
  endpoint_id: WebhookId;
  url: string;
  secret: string;
  message_id: string;
  event_type: string;
  product_id: string | null;
  /** The JSON body, exactly as it is signed and sent. */
  body: string;
  /** Attempts so far, this one included. */
  attempts: number;
  created_at: string;
}

/** A claim: the deliveries taken, ordered by endpoint and product, each key's oldest first. */
export interface Claim {
  deliveries: ClaimedDelivery[];
}

/** The outbox as it stands, cluster-wide. */
export interface QueueStats {
  /** Deliveries pending. */
  queued: number;
  /** When the oldest pending delivery was queued; null when none is. */
  oldest_at: string | null;
}

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

/** What became of a claimed delivery: an attempt's outcome, or `released` when it was not sent. */
export type ClaimOutcome = AttemptOutcome | 'released';

/** What one attempt came to. */
export interface AttemptResult {
  attempt_id: number;
  delivery_id: number;
  outcome: ClaimOutcome;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response: string | null;
  /** For `retry`: when the next attempt is due. */
  retry_in_ms: number | null;
}

/** A delivery's state after its attempt was recorded. */
export interface FinishedAttempt {
  delivery_id: number;
  status: 'pending' | 'delivered' | 'failed';
  /** The endpoint failed long enough to be disabled by this attempt. */
  endpoint_disabled: boolean;
}

/** Webhook endpoints and their outbox, in the system of record. Every write is one SQL function. */
export interface WebhookStore {
  createWebhook(webhook: NewWebhook): Promise<WebhookEndpoint>;
  /** Null when there is no such endpoint. */
  updateWebhook(id: WebhookId, changes: WebhookChanges): Promise<WebhookEndpoint | null>;
  /** The endpoint as it was; null when there is no such endpoint. */
  deleteWebhook(id: WebhookId): Promise<WebhookEndpoint | null>;
  listWebhooks(): Promise<WebhookEndpoint[]>;
  getWebhook(id: WebhookId): Promise<WebhookEndpoint | null>;
  /** The newest deliveries of an endpoint first, each with its attempts. */
  listDeliveries(id: WebhookId, query: DeliveriesQuery): Promise<WebhookDelivery[]>;
  /** Queues a `webhook.test` delivery; null when there is no such endpoint. */
  sendTest(id: WebhookId): Promise<{ id: number } | null>;
  /** Makes a delivery due now; null when the endpoint has no such delivery. */
  retryDelivery(id: WebhookId, delivery: number): Promise<{ id: number } | null>;
  /**
   * Claims, for `worker` under one lease, up to `maxKeys` due keys (endpoint and product), each
   * with up to `perKey` of its pending deliveries in order; safe from every store at once.
   */
  claimDeliveries(
    worker: string,
    maxKeys: number,
    perKey: number,
    leaseSeconds: number,
  ): Promise<Claim>;
  queueStats(): Promise<QueueStats>;
  finishAttempts(
    worker: string,
    results: readonly AttemptResult[],
    disableAfterSeconds: number,
  ): Promise<FinishedAttempt[]>;
}
