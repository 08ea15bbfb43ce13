/* global SwaggerUIBundle, window */
// Swagger UI on this store's own document. Its only server is relative, so "Try it out" calls
// the store that served this page. No validator badge: that would call out to the internet.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
