import { randomBytes } from 'node:crypto';
import {
  ApiKeyIdParamsSchema,
  CreateApiKeyRequestSchema,
  ERROR_CODES,
  StockwireError,
} from '@stockwire/domain';
import { hashSecret } from '../auth/api-keys.js';
import { authorize } from '../auth/authenticator.js';
import type { WriteCommitter } from '../inventory/write.committer.js';
import type { InventoryStore } from '../store/inventory.store.js';
import { reply, type Route } from './route.js';
import { parse } from './validate.js';

/** API keys made and revoked by admins; the secret is shown once, only its hash is kept. */
export function keyRoutes(store: InventoryStore, committer: WriteCommitter): Route[] {
  return [
    {
      method: 'GET',
      path: '/keys',
      handle: async (req) => {
        authorize(req.principal, 'manage_keys');
        return reply(await store.listApiKeys());
      },
    },
    {
      method: 'POST',
      path: '/keys',
      handle: async (req) => {
        const who = authorize(req.principal, 'manage_keys');
        const body = parse(CreateApiKeyRequestSchema, req.body, 'request body');
        const secret = `swk_${randomBytes(24).toString('base64url')}`;
        const result = await store.createApiKey({
          ...body,
          key_hash: hashSecret(secret),
          created_by: who.actor,
        });
        if (!result.ok) {
          throw new StockwireError(ERROR_CODES.KEY_EXISTS, `API key ${body.id} already exists`, {
            field: 'id',
          });
        }
        return reply({ ...result.key, secret }, 201);
      },
    },
    {
      method: 'DELETE',
      path: '/keys/:id',
      handle: async (req) => {
        authorize(req.principal, 'manage_keys');
        const { id } = parse(ApiKeyIdParamsSchema, req.params, 'path');
        const result = await store.revokeApiKey(id);
        if (!result.ok)
          throw new StockwireError(ERROR_CODES.KEY_NOT_FOUND, `API key ${id} does not exist`);
        committer.announce({ type: 'key_revoked', key_id: id, ...committer.envelope() });
        return reply(result.key);
      },
    },
  ];
}
