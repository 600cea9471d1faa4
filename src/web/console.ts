// The operator console, served by the API at /: server-rendered page shells, each with a
// small script that reads the same REST API as every client (with the session cookie) and
// follows the event stream. Every file it needs is served from the package: no CDN.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { isResourceType, resourceKinds } from '../fsm/index.js';
import { fsmSvg } from './fsm-graph.js';
import { page, type PageName } from './pages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// the same path from src/web and from dist/web
const ASSETS = path.resolve(HERE, '..', '..', 'src', 'web', 'assets');
const require = createRequire(import.meta.url);
const UPLOT = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

export type ConsoleSettings = { stuckAfterS: number };

const PAGES: Record<string, PageName> = {
  '/': 'overview',
  '/resources': 'resources',
  '/processes': 'processes',
  '/queues': 'queues',
  '/signin': 'signin',
};

export function makeConsole(settings: ConsoleSettings): Router {
  const router = Router();
  const html = (res: express.Response, body: string) =>
    res.status(200).type('html').set('Cache-Control', 'no-store').send(body);
  for (const [route, name] of Object.entries(PAGES)) router.get(route, (_req, res) => html(res, page(name, settings)));
  router.get('/resources/:id', (_req, res) => html(res, page('resource', settings)));
  router.use('/assets', express.static(ASSETS, { maxAge: '5m', index: false }));
  router.get('/assets/vendor/uPlot.iife.min.js', (_req, res) => res.sendFile(path.join(UPLOT, 'uPlot.iife.min.js')));
  router.get('/assets/vendor/uPlot.min.css', (_req, res) => res.sendFile(path.join(UPLOT, 'uPlot.min.css')));
  // each type's graph is laid out once
  const graphs = new Map<string, string>();
  router.get('/assets/fsm/:type.svg', (req, res) => {
    const type = req.params.type.replace(/-/g, '_');
    if (!isResourceType(type)) return res.status(404).type('text').send('no such resource type');
    let svg = graphs.get(type);
    if (!svg) graphs.set(type, (svg = fsmSvg(type, resourceKinds[type].fsm)));
    res.status(200).type('image/svg+xml').set('Cache-Control', 'max-age=300').send(svg);
  });
  return router;
}
