import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { StoreName } from '@stockwire/domain';
import { countsOpenApi } from './counts.openapi.js';
import { dashboardOpenApi } from './dashboard.openapi.js';
import { docsOpenApi } from './docs.openapi.js';
import { healthOpenApi } from './health.openapi.js';
import { historyOpenApi } from './history.openapi.js';
import { inventoryOpenApi } from './inventory.openapi.js';
import { metricsOpenApi } from './metrics.openapi.js';
import { keysOpenApi } from './keys.openapi.js';
import { locationsOpenApi } from './locations.openapi.js';
import { BEARER, BEARER_SCHEME } from './openapi.access.js';
import { errorTable } from './openapi.errors.js';
import type { OpenApiContribution, OpenApiDocument } from './openapi.js';
import { orderOpenApi } from './order.openapi.js';
import { reordersOpenApi } from './reorders.openapi.js';
import { reservationOpenApi } from './reservation.openapi.js';
import { transferOpenApi } from './transfer.openapi.js';
import { webhooksOpenApi } from './webhooks.openapi.js';

/**
 * Every routes file's part of the OpenAPI document. A new routes file writes its
 * `<name>.openapi.ts` beside it and adds it here; `test/openapi.test.ts` fails while a route the
 * app serves is missing from the document, or the document names one it does not serve.
 */
export const API_OPENAPI: readonly OpenApiContribution[] = [
  inventoryOpenApi,
  reordersOpenApi,
  reservationOpenApi,
  orderOpenApi,
  countsOpenApi,
  transferOpenApi,
  locationsOpenApi,
  keysOpenApi,
  webhooksOpenApi,
  healthOpenApi,
  historyOpenApi,
  metricsOpenApi,
  docsOpenApi,
  dashboardOpenApi,
];

/**
 * The OpenAPI 3.1 document a store serves at `GET /openapi.json`, from every routes file's part. Its
 * only server is relative, so "Try it out" in the docs page calls the store that served the page.
 */
export function apiDocument(store: StoreName): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER, BEARER_SCHEME);
  for (const contribute of API_OPENAPI) contribute(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Stockwire',
      version: '1.0.0',
      description: [
        `Real-time inventory for a chain of stores. This is **${store}**; every store serves the same API over one shared truth, and a change made at any store shows at every other within milliseconds (Socket.IO \`update\` events, or \`/ws\`).`,
        'JSON in and out, snake_case. Reads are public (unless the store runs with `READS_PUBLIC=false`); every write needs a credential (**Authorize** above takes an API key or a Supabase Auth JWT) whose role allows it: each operation says which.',
        'Errors always have the shape `{"error": {"code", "message", ...}}`:',
        errorTable(),
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: `this store (${store})` }],
  });
}
