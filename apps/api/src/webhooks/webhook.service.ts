import {
  ERROR_CODES,
  StockwireError,
  type CreateWebhookRequest,
  type DeliveriesQuery,
  type UpdateWebhookRequest,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookId,
} from '@stockwire/domain';
import type { AddressGuard } from './address.guard.js';
import { newWebhookSecret } from './webhook.signer.js';
import type { WebhookStore } from './webhook.store.js';

/** An endpoint with its signing secret: the answer to creating it or rotating the secret, only. */
export type WebhookWithSecret = WebhookEndpoint & { secret: string };

/** A page of an endpoint's deliveries, newest first. */
export interface DeliveriesPage {
  deliveries: WebhookDelivery[];
  /** `before` for the next page; null on the last. */
  next_cursor: number | null;
}

const notFound = (id: WebhookId) =>
  new StockwireError(ERROR_CODES.WEBHOOK_NOT_FOUND, `Webhook ${id} does not exist`);

/** Webhook endpoints, as admins manage them. Where a URL may point is checked before it is kept. */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly guard: AddressGuard,
  ) {}

  async create(body: CreateWebhookRequest, actor: string): Promise<WebhookWithSecret> {
    await this.allow(body.url);
    const secret = newWebhookSecret();
    const endpoint = await this.store.createWebhook({ ...body, secret, created_by: actor });
    return { ...endpoint, secret };
  }

  list(): Promise<WebhookEndpoint[]> {
    return this.store.listWebhooks();
  }

  async get(id: WebhookId): Promise<WebhookEndpoint> {
    return (await this.store.getWebhook(id)) ?? Promise.reject(notFound(id));
  }

  async update(id: WebhookId, changes: UpdateWebhookRequest): Promise<WebhookEndpoint> {
    if (changes.url !== undefined) await this.allow(changes.url);
    return (await this.store.updateWebhook(id, changes)) ?? Promise.reject(notFound(id));
  }

  /** The endpoint as it was. Its queued deliveries and their log go with it. */
  async remove(id: WebhookId): Promise<WebhookEndpoint> {
    return (await this.store.deleteWebhook(id)) ?? Promise.reject(notFound(id));
  }

  /** A new secret signs every delivery from now on, retries of earlier ones included. */
  async rotateSecret(id: WebhookId): Promise<WebhookWithSecret> {
    const secret = newWebhookSecret();
    const endpoint = await this.store.updateWebhook(id, { secret });
    if (!endpoint) throw notFound(id);
    return { ...endpoint, secret };
  }

  async sendTest(id: WebhookId): Promise<{ delivery_id: number }> {
    const delivery = await this.store.sendTest(id);
    if (!delivery) throw notFound(id);
    return { delivery_id: delivery.id };
  }

  async deliveries(id: WebhookId, query: DeliveriesQuery): Promise<DeliveriesPage> {
    await this.get(id);
    const deliveries = await this.store.listDeliveries(id, query);
    const last = deliveries.at(-1);
    return {
      deliveries,
      next_cursor: deliveries.length === query.limit && last ? last.id : null,
    };
  }

  async retry(id: WebhookId, delivery: number): Promise<{ delivery_id: number }> {
    const retried = await this.store.retryDelivery(id, delivery);
    if (retried) return { delivery_id: retried.id };
    await this.get(id);
    throw new StockwireError(
      ERROR_CODES.DELIVERY_NOT_FOUND,
      `Webhook ${id} has no delivery ${delivery}`,
    );
  }

  private async allow(url: string): Promise<void> {
    const refusal = await this.guard.refusal(url);
    if (refusal)
      throw new StockwireError(
        ERROR_CODES.URL_NOT_ALLOWED,
        `Invalid request body: url: ${refusal}`,
        {
          fields: { url: [refusal] },
        },
      );
  }
}
