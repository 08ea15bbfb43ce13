import {
  CreateProductRequestSchema,
  ProductIdParamsSchema,
  StockUpdateRequestSchema,
  UPDATE_ACTION,
} from '@stockwire/domain';
import { Router } from 'express';
import type { InventoryService } from '../inventory/inventory.service.js';
import { authorize } from '../auth/authenticator.js';
import { principalOf } from './access.middleware.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { parse } from './validate.js';

export function inventoryRoutes(
  inventory: InventoryService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Router {
  const router = Router();

  router.get('/inventory', (_req, res) => {
    res.json(inventory.list());
  });

  router.get('/inventory/:product_id', (req, res) => {
    const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
    res.json(inventory.get(product_id));
  });

  router.post('/inventory/:product_id/update', async (req, res) => {
    authorize(principalOf(res), 'sell');
    const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
    const body = parse(StockUpdateRequestSchema, req.body, 'request body');
    const who = authorize(principalOf(res), UPDATE_ACTION[body.update_type]);
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    const outcome = await inventory.updateStock(product_id, body, ctx);
    responder.send(res, ctx, outcome, 200, outcome.value);
  });

  router.get('/products', (_req, res) => {
    res.json(inventory.catalogue());
  });

  router.post('/products', async (req, res) => {
    const who = authorize(principalOf(res), 'create_product');
    const body = parse(CreateProductRequestSchema, req.body, 'request body');
    res
      .status(201)
      .json(await inventory.createProduct(body, requestContext(req, who, idempotencyTtlSeconds)));
  });

  return router;
}
