import { randomUUID } from 'node:crypto';
import {
  CreateProductRequestSchema,
  ProductIdParamsSchema,
  StockUpdateRequestSchema,
} from '@stockwire/domain';
import { Router, type Request } from 'express';
import type { InventoryService } from '../inventory/inventory.service.js';
import { parse } from './validate.js';

/**
 * The request's id (given by the request logger), else the caller's `X-Request-Id` if sane,
 * else a new one; it is recorded in the ledger.
 */
export function requestId(req: Request): string {
  if (typeof req.id === 'string') return req.id;
  const given = req.get('x-request-id');
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export function inventoryRoutes(inventory: InventoryService): Router {
  const router = Router();

  router.get('/inventory', (_req, res) => {
    res.json(inventory.list());
  });

  router.get('/inventory/:product_id', (req, res) => {
    const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
    res.json(inventory.get(product_id));
  });

  router.post('/inventory/:product_id/update', async (req, res) => {
    const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
    const body = parse(StockUpdateRequestSchema, req.body, 'request body');
    res.json(await inventory.updateStock(product_id, body, requestId(req)));
  });

  router.get('/products', (_req, res) => {
    res.json(inventory.catalogue());
  });

  router.post('/products', async (req, res) => {
    const body = parse(CreateProductRequestSchema, req.body, 'request body');
    res.status(201).json(await inventory.createProduct(body, requestId(req)));
  });

  return router;
}
