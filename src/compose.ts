// The composition root: builds logger, db, broker, relay, driver and use cases, and hands
// them to the roles.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { makeApp } from './api/app.js';
import { Broker } from './broker/broker.js';
import { ConfigError, redactUrl, type Config } from './config.js';
import { makeController } from './controller/controller.js';
import { packageFiles } from './content/package-files.js';
import { makeFsStore } from './content/fs-store.js';
import { makePgStore } from './db/content-repository.js';
import { makeDb, type Db } from './db/db.js';
import { deploymentId } from './db/deployment-repository.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeHeartbeat, OFFLINE_AFTER_INTERVALS } from './fleet/heartbeat.js';
import { countByTypeAndStatus } from './db/overview-repository.js';
import { countOnlineByRole } from './db/process-repository.js';
import { addFleetGauges } from './metrics/fleet-gauges.js';
import { makeMetricsHandler } from './metrics/metrics-handler.js';
import { addDriverGauges, makeMetrics } from './metrics/metrics.js';
import { makeConsole } from './web/console.js';
import { createServer } from 'node:http';
import { driverPlugin } from './drivers/registry.js';
import { isBackingServiceDown, isConnectionError } from './errors.js';
import { TransitionFeed } from './feed/transition-feed.js';
import { makeLogger, type Logger } from './log.js';
import { OutboxRelay } from './outbox/relay.js';
import { makeUseCases } from './usecases/index.js';
import { VERSION } from './version.js';
import { within } from './within.js';
import { makeTaskList } from './worker/tasks.js';
import { makeObserver } from './worker/observer.js';
import { makeWorker } from './worker/worker.js';

export type Role = 'api' | 'controller' | 'worker';

const UPLOAD_TIMEOUT_MS = 3_600_000;
const PURGE_EVERY_MS = 600_000;
const PURGE_AFTER_MS = 3_600_000;

/** Once in-flight work has had STOP_TIMEOUT_MS, how long closing the connections may take. */
const STOP_CLOSE_MS = 5_000;

export type Running = {
  id: string;
  log: Logger;
  db: Db;
  broker: Broker;
  /** The API's port, when the api role runs (useful with PORT=0). */
  port?: number;
  stop(): Promise<void>;
};

export async function startRoles(config: Config, roles: Role[], opts: { logger?: Logger } = {}): Promise<Running> {
  const name = roles.length === 3 ? 'all' : roles.join('+');
  const id = `${name}-${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const log = opts.logger ?? makeLogger(config.logLevel, name);
  const poolSize = config.dbPoolSize;
  const db = makeDb({ url: config.databaseUrl, poolSize, log, appName: `nfvo-${name}` });
  // the deployment this database is: it claims its broker namespace and marks its messages
  const deployment = { id: await deploymentOf(db, log), database: redactUrl(config.databaseUrl) };
  const broker = new Broker({
    deployment,
    url: config.amqpUrl,
    prefix: config.queuePrefix,
    queueType: config.queueType,
    log,
    name: `nfvo-${id}`,
    publishRetry: config.publishRetry,
    // the database or broker is down: a message that needs it waits rather than counting as failed
    isTransient: isBackingServiceDown,
  });
  // not awaited: the API takes requests (into the outbox) while RabbitMQ is still unreachable
  const connecting = broker.start();
  // but a namespace another deployment holds is refused at once when RabbitMQ answers
  const refused = await Promise.race([
    broker.whenRefused(),
    connecting.then(() => null),
    sleep(CLAIM_WAIT_MS).then(() => null),
  ]);
  if (refused) {
    await broker.close();
    await db.close();
    throw new ConfigError(`nfvo cannot start: ${refused.message}`);
  }
  const relay = new OutboxRelay({ db, broker, log, pollMs: config.outboxPollMs });
  relay.start();
  const content = config.packageStore.kind === 'fs' ? makeFsStore(config.packageStore.dir) : makePgStore(db);

  const stops: (() => Promise<void>)[] = [];
  const metrics = makeMetrics(roles);
  const offlineAfterS = config.heartbeatIntervalS * OFFLINE_AFTER_INTERVALS;
  let server: Server | undefined;
  let port: number | undefined;

  if (roles.includes('controller')) {
    const controller = makeController({
      id,
      db,
      broker,
      relay,
      log: log.child({ component: 'controller' }),
      config,
      metrics,
    });
    await controller.start();
    stops.push(() => controller.stop());
  }
  if (roles.includes('worker')) {
    const driver = await driverPlugin(config.driver.name).make(config.driver.settings, {
      sql: db.pool,
      log: log.child({ component: 'driver', driver: config.driver.name }),
      packages: packageFiles(content),
    });
    if (driver.load) addDriverGauges(metrics.registry, driver.load);
    const worker = makeWorker({
      id,
      db,
      broker,
      tasks: makeTaskList(driver, content),
      log: log.child({ component: 'worker' }),
      config,
      metrics,
    });
    await worker.start();
    const observer = makeObserver({
      db,
      driver,
      log: log.child({ component: 'observer' }),
      intervalS: config.observeIntervalS,
    });
    observer.start();
    stops.push(async () => {
      await observer.stop();
      await worker.stop();
      await driver.close?.();
    });
  }
  if (roles.includes('api')) {
    const feed = new TransitionFeed({ db, log, pollMs: 100 });
    const app = makeApp({
      log: log.child({ component: 'api' }),
      uc: makeUseCases(
        db,
        (rows) => relay.publishNow(rows),
        { content, maxBytes: config.packageMaxBytes },
        driverPlugin(config.driver.name).refuse,
        { broker, offlineAfterS, stuckAfterS: config.stuckAfterS },
      ),
      feed,
      driverOptions: driverPlugin(config.driver.name).options,
      bodyLimit: config.bodyLimit,
      packageMaxBytes: config.packageMaxBytes,
      checks: {
        database: () => db.ping(),
        broker: async () => broker.connected,
      },
      session: { hours: config.sessionHours, secure: config.cookieSecure },
      heartbeatIntervalS: config.heartbeatIntervalS,
      metrics: makeMetricsHandler(metrics.registry, config.metricsToken),
      console: makeConsole({ stuckAfterS: config.stuckAfterS }),
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    // a large package takes a while to upload on a slow link (headers still time out as usual)
    server.requestTimeout = UPLOAD_TIMEOUT_MS;
    // uploads interrupted before they were committed, and those refused at commit, are removed later
    const purge = setInterval(() => {
      content
        .purge(PURGE_AFTER_MS)
        .then((n) => n && log.info({ uploads: n }, 'removed package uploads that no package names'))
        .catch((err) => log.warn({ err: String(err) }, 'could not purge package uploads'));
    }, PURGE_EVERY_MS);
    const addr = server.address();
    port = typeof addr === 'object' && addr ? addr.port : config.port;
    log.info({ port }, 'api listening');
    const gauges = addFleetGauges(
      metrics.registry,
      {
        counts: () => countByTypeAndStatus(db.pool),
        queues: () => broker.queueStats(),
        onlineByRole: () => countOnlineByRole(db.pool, offlineAfterS),
      },
      config.metricsRefreshS,
      log,
    );
    stops.unshift(async () => {
      gauges.stop();
      clearInterval(purge);
      feed.stop();
      await new Promise<void>((r) => {
        server!.close(() => r());
        server!.closeAllConnections();
      });
    });
  }

  if (config.metricsPort !== undefined) {
    const handler = makeMetricsHandler(metrics.registry, config.metricsToken);
    const metricsServer = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') return handler(req, res);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      metricsServer.listen(config.metricsPort, config.host, () => resolve());
      metricsServer.once('error', reject);
    });
    const a = metricsServer.address();
    log.info({ port: typeof a === 'object' && a ? a.port : config.metricsPort }, 'metrics listening');
    stops.push(
      () =>
        new Promise<void>((r) => {
          metricsServer.close(() => r());
          metricsServer.closeAllConnections();
        }),
    );
  }

  const concurrency: Record<string, number> = { dbPool: poolSize };
  if (roles.includes('controller')) concurrency.controller = config.controllerConcurrency;
  if (roles.includes('worker')) concurrency.worker = config.workerConcurrency;
  const reporting = makeHeartbeat({
    db,
    record: { id, roles, host: hostname(), pid: process.pid, version: VERSION, concurrency },
    inFlight: () => broker.inFlight,
    intervalS: config.heartbeatIntervalS,
    retentionS: config.processRetentionS,
    log,
  });
  await reporting.start();

  let stopping: Promise<void> | undefined;
  // refused later (RabbitMQ was away at start): this process stops, saying why
  void broker.whenRefused().then((err) => {
    if (stopping) return;
    log.fatal({ err: err.message }, 'another deployment holds this broker namespace; stopping');
    process.exitCode = 2;
    void running.stop().catch(() => {});
  });
  const running: Running = {
    id,
    log,
    db,
    broker,
    port,
    stop() {
      stopping ??= (async () => {
        log.info('stopping: no new messages; finishing those in flight');
        let stage = 'finishing messages in flight';
        const sequence = (async () => {
          await broker.stopConsuming(config.stopTimeoutMs);
          stage = 'stopping roles';
          for (const s of stops) await s().catch((err) => log.warn({ err: String(err) }, 'error while stopping'));
          stage = 'flushing the outbox relay';
          await relay.stop();
          stage = 'recording that this process stopped';
          await reporting.stop();
          stage = 'closing the RabbitMQ connection';
          await broker.close();
          stage = 'ending an attempt to connect to RabbitMQ';
          await connecting;
          stage = 'closing the database pool';
          await db.close();
        })();
        // a connection that no longer answers must not keep a stopping process alive: what is
        // unsettled is redelivered, what is uncommitted is rolled back, what is unpublished waits
        // in the outbox
        const limitMs = config.stopTimeoutMs + STOP_CLOSE_MS;
        if ((await within(sequence, limitMs, 'late' as const)) === 'late') {
          log.error({ stage, afterMs: limitMs }, 'stopping took too long; giving up');
          throw new Error(`stopping took longer than ${limitMs} ms (still ${stage})`);
        }
        log.info('stopped');
      })();
      return stopping;
    },
  };
  return running;
}

/** How long a starting process waits for RabbitMQ to say whether its namespace is its own. */
const CLAIM_WAIT_MS = 5_000;

/** This database's deployment id (waiting for PostgreSQL a while if it is restarting). */
async function deploymentOf(db: Db, log: Logger): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await deploymentId(db.pool);
    } catch (err) {
      if (!isConnectionError(err) || i >= 120) throw err;
      if (i === 0) log.warn({ err: String(err) }, 'PostgreSQL not ready; waiting');
      await sleep(500);
    }
  }
}
