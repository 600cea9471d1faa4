// The express application: JSON in, problem+json out, routes under /v1.
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import { notFound } from '../errors.js';
import type { TransitionFeed } from '../feed/transition-feed.js';
import { isResourceType, resourceKinds } from '../fsm/index.js';
import type { Logger } from '../log.js';
import type { UseCases } from '../usecases/index.js';
import { makeAuthMiddleware } from './auth.js';
import { makeDocsRoutes } from './docs-routes.js';
import { makeEventsHandler } from './events-route.js';
import { errorMiddleware, sendProblem } from './problem.js';
import { makePackageRoutes } from './packages-routes.js';
import { makeResourceRoutes, type DriverOptions } from './resources-routes.js';
import type { FsmOut, HealthOut, ReadyOut } from './responses.js';
import { makeTokenRoutes } from './tokens-routes.js';
import { makeFleetRoutes } from './fleet-routes.js';
import { makeSessionRoutes, type SessionSettings } from './session-routes.js';

export type ApiDeps = {
  log: Logger;
  uc: UseCases;
  feed: TransitionFeed;
  /** The driver's per-request options field of the create bodies, if it has one. */
  driverOptions: DriverOptions;
  bodyLimit: string;
  /** The largest package accepted. */
  packageMaxBytes: number;
  /** Readiness of each backing service. */
  checks: Record<string, () => Promise<boolean>>;
  /** The console's session cookie. */
  session: SessionSettings;
  heartbeatIntervalS: number;
  /** GET /metrics (Prometheus), when this process serves it. */
  metrics?: RequestHandler;
  /** The operator console's pages, mounted at / (after the API's routes). */
  console?: express.Router;
};

export function makeApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // responses describe live resources: an ETag (a hash of every body) would save no work
  app.set('etag', false);
  app.use(helmet());
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req) =>
        typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 64) : randomUUID(),
      // "not ready" is an answer, not a failure (probes ask while a backing service is down)
      // nor is a 503 while PostgreSQL restarts (the error handler has logged its cause, at warn)
      customLogLevel: (_req, res, err) =>
        res.statusCode === 503
          ? 'info'
          : err || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'info'
              : 'debug',
      serializers: {
        req: (r) => ({ id: r.id, method: r.method, url: r.url }),
        res: (r) => ({ statusCode: r.statusCode }),
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies HealthOut);
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(deps.checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const ok = results.every(([, up]) => up);
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ready' : 'not ready',
      checks: Object.fromEntries(results.map(([n, up]) => [n, up ? 'up' : 'down'])),
    } satisfies ReadyOut);
  });

  app.use(makeDocsRoutes(deps.driverOptions));
  if (deps.metrics) app.get('/metrics', deps.metrics);
  app.use(cookieParser());
  // signing in is how a browser gets its session: before the authentication it would need
  app.use('/v1', makeSessionRoutes(deps.uc, deps.session));
  app.use(
    '/v1',
    makeAuthMiddleware(
      (token) => deps.uc.tokens.findRole(token),
      (id) => deps.uc.sessions.find(id),
    ),
  );
  app.use(
    '/v1',
    express.json({ limit: deps.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }),
  );
  app.use('/v1', makeTokenRoutes(deps.uc));
  app.get('/v1/fsm/:type', (req, res) => {
    const type = req.params.type.replace(/-/g, '_');
    if (!isResourceType(type)) throw notFound(`FSM for type ${req.params.type.slice(0, 64)}`);
    const { fsm, initial, target } = resourceKinds[type];
    res.json({ type, initial, target, table: fsm } satisfies FsmOut);
  });
  app.get('/v1/events', makeEventsHandler({ feed: deps.feed, uc: deps.uc }));
  app.use('/v1', makePackageRoutes({ uc: deps.uc, driverOptions: deps.driverOptions, maxBytes: deps.packageMaxBytes }));
  app.use('/v1', makeFleetRoutes(deps.uc, deps.heartbeatIntervalS));
  app.use('/v1', makeResourceRoutes({ uc: deps.uc, driverOptions: deps.driverOptions }));
  if (deps.console) app.use(deps.console);

  app.use((req, res) => sendProblem(res, 404, `no route for ${req.method} ${req.path.slice(0, 200)}`));
  app.use(errorMiddleware(deps.log));
  return app;
}
