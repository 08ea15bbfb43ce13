import {
  ProductInventorySchema,
  TransferSchema,
  type Location,
  type ProductInventory,
  type Transfer,
  type TransferLine,
  type UpdateType,
} from '@stockwire/domain';
import { z } from 'zod';

/** What became of one write sent to a store. */
export type Outcome<T> =
  | ({ kind: 'applied' } & T)
  /** A 409: the store refused it (not enough stock); nothing was written. */
  | { kind: 'refused'; code: string; available: number }
  | { kind: 'failed'; reason: string };

/** What became of one stock change sent to a store. */
export type UpdateOutcome = Outcome<{ product: ProductInventory }>;

/** What became of one step of a transfer sent to a store. */
export type TransferOutcome = Outcome<{ transfer: Transfer }>;

const ErrorBodySchema = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    available_stock: z.number().optional(),
  }),
});

const HealthSchema = z.looseObject({ store: z.string(), ready: z.boolean() });

/** One store's public HTTP API, as the simulator uses it. */
export class StoreClient {
  constructor(
    readonly url: string,
    /** The API key writes are sent with. */
    private readonly apiKey: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** The store's name and whether it serves a synced cache. */
  async health(): Promise<z.infer<typeof HealthSchema>> {
    const res = await this.request('/health');
    return HealthSchema.parse(await res.json());
  }

  async inventory(): Promise<ProductInventory[]> {
    const res = await this.request('/inventory');
    if (!res.ok) throw new Error(`GET /inventory answered ${res.status}`);
    return z.object({ products: z.array(ProductInventorySchema) }).parse(await res.json()).products;
  }

  /** Sends one change, at the store's own location unless `warehouse` names another; never throws. */
  update(
    productId: string,
    change: { change: number; update_type: UpdateType; warehouse?: Location },
    requestId: string,
  ): Promise<UpdateOutcome> {
    return this.write(
      `/inventory/${encodeURIComponent(productId)}/update`,
      change,
      requestId,
      (body) => ({
        product: ProductInventorySchema.parse(body),
      }),
    );
  }

  /** Sends stock from one location to another; never throws. */
  transfer(
    transfer: { from: Location; to: Location; lines: TransferLine[] },
    requestId: string,
  ): Promise<TransferOutcome> {
    return this.write('/transfers', transfer, requestId, (body) => ({
      transfer: TransferSchema.parse(body),
    }));
  }

  /** Receives everything still in transit on a transfer; never throws. */
  receive(transferId: string, requestId: string): Promise<TransferOutcome> {
    return this.write(
      `/transfers/${encodeURIComponent(transferId)}/receive`,
      {},
      requestId,
      (body) => ({ transfer: TransferSchema.parse(body) }),
    );
  }

  private async write<T>(
    path: string,
    payload: unknown,
    requestId: string,
    parse: (body: unknown) => T,
  ): Promise<Outcome<T>> {
    try {
      const res = await this.request(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': requestId,
          authorization: `Bearer ${this.apiKey}`,
        },
        body: JSON.stringify(payload),
      });
      const body: unknown = await res.json();
      if (res.ok) return { kind: 'applied', ...parse(body) };
      const error = ErrorBodySchema.safeParse(body);
      if (res.status === 409 && error.success) {
        return {
          kind: 'refused',
          code: error.data.error.code,
          available: error.data.error.available_stock ?? 0,
        };
      }
      return {
        kind: 'failed',
        reason: error.success
          ? `${res.status} ${error.data.error.code}: ${error.data.error.message}`
          : `${res.status}`,
      };
    } catch (error) {
      return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
