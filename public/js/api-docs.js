// Starts Swagger UI on /api/docs (a file, not an inline script: the CSP allows
// scripts from this origin only). The OpenAPI document's URL is on the page.
/* global SwaggerUIBundle */
const root = document.getElementById('swagger-ui');
window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
