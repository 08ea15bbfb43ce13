import {
  CreateProductRequestSchema,
  ProductIdParamsSchema,
  StockUpdateRequestSchema,
  UPDATE_ACTION,
  type Principal,
  type ProductId,
  type StockUpdateRequest,
} from '@stockwire/domain';
import { Router } from 'express';
import type { InventoryService } from '../inventory/inventory.service.js';
import { authorize } from '../auth/authenticator.js';
import { principalOf } from './access.middleware.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { parse } from './validate.js';

/** The route of stock changes, as request metrics name it. */
export const STOCK_UPDATE_ROUTE = '/inventory/:product_id/update';

/**
 * The checks a stock change passes before it is made, in the order clients see their errors: a
 * credential that may sell at all, the path, the body, then a role that may make this kind of change.
 */
export function stockUpdateRequest(
  principal: Principal | null,
  params: unknown,
  body: unknown,
): { productId: ProductId; request: StockUpdateRequest; who: Principal } {
  authorize(principal, 'sell');
  const { product_id } = parse(ProductIdParamsSchema, params, 'path');
  const request = parse(StockUpdateRequestSchema, body, 'request body');
  const who = authorize(principal, UPDATE_ACTION[request.update_type]);
  return { productId: product_id, request, who };
}

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

  router.post(STOCK_UPDATE_ROUTE, async (req, res) => {
    const { productId, request, who } = stockUpdateRequest(principalOf(res), req.params, req.body);
    const ctx = requestContext(req, who, idempotencyTtlSeconds);
    const outcome = await inventory.updateStock(productId, request, ctx);
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
