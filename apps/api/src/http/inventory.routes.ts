import {
  CatalogueQuerySchema,
  CreateProductRequestSchema,
  ProductIdParamsSchema,
  StockUpdateRequestSchema,
  UPDATE_ACTION,
  type CatalogueQuery,
  type Principal,
  type ProductId,
  type StockUpdateRequest,
} from '@stockwire/domain';
import { authorize } from '../auth/authenticator.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { requestContext, type IdempotentResponder } from './idempotency.js';
import { Encoded, reply, type Route } from './route.js';
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

/** The query of a product list; none at all (the common read) costs no parse. */
const catalogueQuery = (query: Record<string, unknown>): CatalogueQuery =>
  Object.keys(query).length === 0 ? {} : parse(CatalogueQuerySchema, query, 'query parameters');

/** Stock and the catalogue: reads from the cache, as bytes encoded once per change; writes. */
export function inventoryRoutes(
  inventory: InventoryService,
  responder: IdempotentResponder,
  idempotencyTtlSeconds: number,
): Route[] {
  return [
    {
      method: 'GET',
      path: '/inventory',
      cached: true,
      handle: (req) =>
        reply(new Encoded(inventory.encodedPage('inventory', catalogueQuery(req.query)))),
    },
    {
      method: 'GET',
      path: '/inventory/:product_id',
      cached: true,
      handle: (req) => {
        // Every id the cache holds is valid: only one it does not hold needs checking (400 or 404).
        const cached = inventory.encodedIfCached(req.params.product_id ?? '');
        if (cached) return reply(new Encoded(cached));
        const { product_id } = parse(ProductIdParamsSchema, req.params, 'path');
        return reply(new Encoded(inventory.encoded(product_id)));
      },
    },
    {
      method: 'POST',
      path: STOCK_UPDATE_ROUTE,
      handle: async (req) => {
        const { productId, request, who } = stockUpdateRequest(req.principal, req.params, req.body);
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await inventory.updateStock(productId, request, ctx);
        const { value } = outcome;
        return responder.reply(
          ctx,
          outcome,
          200,
          value instanceof Buffer ? new Encoded(value) : value,
        );
      },
    },
    {
      method: 'GET',
      path: '/products',
      cached: true,
      handle: (req) =>
        reply(new Encoded(inventory.encodedPage('catalogue', catalogueQuery(req.query)))),
    },
    {
      method: 'POST',
      path: '/products',
      handle: async (req) => {
        const who = authorize(req.principal, 'create_product');
        const body = parse(CreateProductRequestSchema, req.body, 'request body');
        const ctx = requestContext(req, who, idempotencyTtlSeconds);
        const outcome = await inventory.createProduct(body, ctx);
        return responder.reply(ctx, outcome, 201, outcome.value);
      },
    },
  ];
}
