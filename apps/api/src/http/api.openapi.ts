import type { StoreName } from '@stockwire/domain';
import { dashboardOpenApi } from './dashboard.openapi.js';
import { docsOpenApi } from './docs.openapi.js';
import { healthOpenApi } from './health.openapi.js';
import { historyOpenApi } from './history.openapi.js';
import { inventoryOpenApi } from './inventory.openapi.js';
import { metricsOpenApi } from './metrics.openapi.js';
import { keysOpenApi } from './keys.openapi.js';
import { buildOpenApiDocument, type OpenApiContribution, type OpenApiDocument } from './openapi.js';
import { orderOpenApi } from './order.openapi.js';
import { reservationOpenApi } from './reservation.openapi.js';

/**
 * Every routes file's part of the OpenAPI document. A new routes file writes its
 * `<name>.openapi.ts` beside it and adds it here; `test/openapi.test.ts` fails while a route the
 * app serves is missing from the document, or the document names one it does not serve.
 */
export const API_OPENAPI: readonly OpenApiContribution[] = [
  inventoryOpenApi,
  reservationOpenApi,
  orderOpenApi,
  keysOpenApi,
  healthOpenApi,
  historyOpenApi,
  metricsOpenApi,
  docsOpenApi,
  dashboardOpenApi,
];

/** The OpenAPI document a store serves at `GET /openapi.json`. */
export function apiDocument(store: StoreName): OpenApiDocument {
  return buildOpenApiDocument(API_OPENAPI, store);
}
