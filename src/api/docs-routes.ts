// The API's description: GET /openapi.json, and GET /docs, Swagger UI served from the
// swagger-ui-dist package (no CDN) and pointed at it. Both open, like /healthz.
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import { buildOpenApi } from './openapi.js';
import type { DriverOptions } from './resources-routes.js';

const UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** The files of swagger-ui-dist the page loads, and nothing else of the package. */
const UI_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>nfvo API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// a file of its own, not inline: the Content-Security-Policy allows scripts from this origin only
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

export function makeDocsRoutes(driverOptions: DriverOptions): Router {
  const doc = JSON.stringify(buildOpenApi(driverOptions));
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(doc);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('text/javascript').send(INIT);
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    if (!UI_FILES.has(req.params.file)) return next();
    res.sendFile(req.params.file, { root: UI_DIR, maxAge: '1h' });
  });
  return router;
}
