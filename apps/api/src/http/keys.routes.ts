import { randomBytes } from 'node:crypto';
import {
  ApiKeyIdParamsSchema,
  CreateApiKeyRequestSchema,
  ERROR_CODES,
  StockwireError,
} from '@stockwire/domain';
import { Router } from 'express';
import { hashSecret } from '../auth/api-keys.js';
import { authorize } from '../auth/authenticator.js';
import type { ChangePublisher } from '../inventory/change.publisher.js';
import type { InventoryStore } from '../store/inventory.store.js';
import { principalOf } from './access.middleware.js';
import { parse } from './validate.js';

/** API keys made and revoked by admins; the secret is shown once, only its hash is kept. */
export function keyRoutes(store: InventoryStore, publisher: ChangePublisher): Router {
  const router = Router();

  router.get('/keys', async (_req, res) => {
    authorize(principalOf(res), 'manage_keys');
    res.json(await store.listApiKeys());
  });

  router.post('/keys', async (req, res) => {
    const who = authorize(principalOf(res), 'manage_keys');
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
    res.status(201).json({ ...result.key, secret });
  });

  router.delete('/keys/:id', async (req, res) => {
    authorize(principalOf(res), 'manage_keys');
    const { id } = parse(ApiKeyIdParamsSchema, req.params, 'path');
    const result = await store.revokeApiKey(id);
    if (!result.ok)
      throw new StockwireError(ERROR_CODES.KEY_NOT_FOUND, `API key ${id} does not exist`);
    publisher.publish({
      type: 'key_revoked',
      key_id: id,
      store: publisher.store,
      instance_id: publisher.instanceId,
      timestamp: new Date().toISOString(),
    });
    res.json(result.key);
  });

  return router;
}
