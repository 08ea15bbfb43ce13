import {
  LocationSchema,
  TransferSchema,
  type StoreName,
  type Transfer,
  type TransferId,
  type TransfersQuery,
} from '@stockwire/domain';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type { Database, Json } from './database.types.js';
import type { Idempotent } from './inventory.store.js';
import { EffectsSchema, RefusalCodeSchema } from './supabase-results.schema.js';
import { supabaseClient } from './supabase.client.js';
import { SupabaseRpcClient, keyed, single } from './supabase-rpc.client.js';
import type {
  TransferCancellation,
  TransferReceipt,
  TransferStepResult,
  TransferStore,
  TransferToCreate,
  TransfersPage,
} from './transfer.store.js';

const asJson = (value: unknown) => value as Json;

const StepResultSchema: z.ZodType<TransferStepResult> = z.discriminatedUnion('ok', [
  EffectsSchema.extend({
    ok: z.literal(true),
    duplicate: z.boolean().optional(),
    transfer: TransferSchema,
  }),
  EffectsSchema.extend({
    ok: z.literal(false),
    code: z.enum([
      ...RefusalCodeSchema.options,
      'transfer_not_found',
      'transfer_exists',
      'transfer_finished',
      'transfer_line_not_found',
      'transfer_quantity_exceeded',
    ]),
    transfer: TransferSchema.optional(),
    field: z.enum(['from', 'to']).optional(),
    location: LocationSchema.optional(),
    line: z
      .object({
        index: z.number().int(),
        product_id: z.string(),
        location: LocationSchema.optional(),
        available: z.number().int().optional(),
        in_transit: z.number().int().optional(),
      })
      .optional(),
  }),
]);

/** A transfer with its place in creation order, which pages the list. */
const ListedSchema = z.object({
  transfers: z.array(TransferSchema.extend({ seq: z.number().int() })),
});

/** {@link TransferStore} on Supabase: every step is an `rpc` call to its SQL function. */
export class SupabaseTransferStore implements TransferStore {
  private readonly rpc: SupabaseRpcClient;

  /**
   * @param store the store this client writes for, sent as `X-Stockwire-Store`: the store
   *   publishes its own writes, so the database leaves them unannounced.
   */
  constructor(url: string, serviceRoleKey: string, store?: StoreName) {
    const db: SupabaseClient<Database> = supabaseClient(url, serviceRoleKey, store);
    this.rpc = new SupabaseRpcClient(db);
  }

  createTransfer(transfer: TransferToCreate): Promise<Idempotent<TransferStepResult>> {
    return this.step('create_transfer', { p_transfer: asJson(transfer) });
  }

  receiveTransfer(receipt: TransferReceipt): Promise<Idempotent<TransferStepResult>> {
    return this.step('receive_transfer', { p_receipt: asJson(receipt) });
  }

  cancelTransfer(cancellation: TransferCancellation): Promise<Idempotent<TransferStepResult>> {
    return this.step('cancel_transfer', { p_cancel: asJson(cancellation) });
  }

  async getTransfer(id: TransferId): Promise<Transfer | null> {
    const page = await this.list({ transfer_id: id, limit: 1 });
    return page.transfers[0] ?? null;
  }

  listTransfers(query: TransfersQuery): Promise<TransfersPage> {
    const { cursor, ...filters } = query;
    return this.list({ ...filters, ...(cursor !== undefined && { before: cursor }) });
  }

  private async list(query: Record<string, unknown> & { limit: number }): Promise<TransfersPage> {
    const { transfers } = await this.rpc.call(
      'list_transfers',
      { p_query: asJson(query) },
      single(ListedSchema),
      'read',
    );
    const last = transfers.at(-1);
    return {
      transfers: transfers.map(({ seq: _seq, ...t }) => t),
      next_cursor: transfers.length === query.limit && last ? last.seq : null,
    };
  }

  private step(
    fn: 'create_transfer' | 'receive_transfer' | 'cancel_transfer',
    args: Record<string, Json>,
  ): Promise<Idempotent<TransferStepResult>> {
    return this.rpc.call(fn, args as never, keyed(StepResultSchema));
  }
}
