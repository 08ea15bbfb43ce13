import type { OpenApiContribution } from './openapi.js';
import { HTML_PAGE } from './openapi.responses.js';

/** `dashboard.routes.ts` in the OpenAPI document. */
export const dashboardOpenApi: OpenApiContribution = (registry) => {
  registry.registerPath({
    method: 'get',
    path: '/',
    operationId: 'getDashboard',
    tags: ['pages'],
    summary: 'The live dashboard',
    description:
      'Products × stores with on hand, reserved and available, updated live over Socket.IO from every store, with a feed of the latest movements and sell and restock buttons. They write with the store\'s `DASHBOARD_API_KEY`, given to the page in `<meta name="stockwire-api-key">`; without one, the page asks for a key and keeps it in the tab (`sessionStorage`).',
    responses: {
      200: HTML_PAGE,
    },
  });
};
