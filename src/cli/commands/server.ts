// The server side of nfvo: run a role (api, controller, worker, or all three), migrate, audit.
// Their modules are loaded when one of these runs, so that the API's clients start quickly.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Config } from '../../config.js';
import type { Cli } from '../context.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** prisma/migrations, from src/cli/commands or dist/cli/commands alike. */
export const MIGRATIONS_DIR = path.resolve(HERE, '..', '..', '..', 'prisma', 'migrations');

async function configured(cli: Cli, role: string) {
  const [{ loadConfig }, { makeLogger }] = await Promise.all([import('../../config.js'), import('../../log.js')]);
  const config = loadConfig(cli.env);
  return { config, log: makeLogger(config.logLevel, role) };
}

/** Fail fast, saying which service is missing and how to start it. */
async function preflight(config: Config): Promise<void> {
  const [{ probeBroker }, { probeDatabase }, { ConfigError, redactUrl }] = await Promise.all([
    import('../../broker/connection.js'),
    import('../../db/db.js'),
    import('../../config.js'),
  ]);
  const problems: string[] = [];
  try {
    await probeDatabase(config.databaseUrl);
  } catch (err) {
    problems.push(
      `PostgreSQL is not reachable at ${redactUrl(config.databaseUrl)} (${(err as Error).message}).\n` +
        `  Debian:  sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
        `  Docker:  docker compose up -d postgres\n  Or set DATABASE_URL.`,
    );
  }
  try {
    await probeBroker(config.amqpUrl);
  } catch (err) {
    problems.push(
      `RabbitMQ is not reachable at ${redactUrl(config.amqpUrl)} (${(err as Error).message}).\n` +
        `  Debian:  sudo rabbitmq-server -detached   (package rabbitmq-server)\n` +
        `  Docker:  docker compose up -d rabbitmq\n  Or set AMQP_URL.`,
    );
  }
  if (problems.length) throw new ConfigError(`nfvo cannot start:\n${problems.join('\n')}`);
}

/** First SIGTERM or SIGINT: stop cleanly, then exit; a second: exit now. */
function onSignals(stop: () => Promise<void>): void {
  let signalled = false;
  const handler = (sig: string) => {
    if (signalled) {
      process.stderr.write(`${sig} again: exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

async function runRoles(cli: Cli, cmd: 'api' | 'controller' | 'worker' | 'all', opts: { migrate?: boolean }) {
  const { config, log } = await configured(cli, cmd);
  if (opts.migrate) {
    await preflight(config);
    const { migrate } = await import('../../db/migrate.js');
    await migrate({ url: config.databaseUrl, dir: MIGRATIONS_DIR, log });
  }
  const { startRoles } = await import('../../compose.js');
  const running = await startRoles(config, cmd === 'all' ? ['api', 'controller', 'worker'] : [cmd]);
  onSignals(() => running.stop());
}

async function audit(cli: Cli): Promise<void> {
  const { config, log } = await configured(cli, 'audit');
  const [{ ConfigError }, { makeDb }, { makePgStore }, { packageFiles }, { driverPlugin }, { audit }] =
    await Promise.all([
      import('../../config.js'),
      import('../../db/db.js'),
      import('../../db/content-repository.js'),
      import('../../content/package-files.js'),
      import('../../drivers/registry.js'),
      import('../../usecases/audit.js'),
    ]);
  const db = makeDb({ url: config.databaseUrl, poolSize: 2, log, appName: 'nfvo-audit' });
  try {
    const driver = await driverPlugin(config.driver.name).make(config.driver.settings, {
      sql: db.pool,
      log,
      packages: packageFiles(makePgStore(db)),
    });
    if (!driver.inventory) throw new ConfigError(`the ${config.driver.name} driver keeps no inventory to audit`);
    const report = await audit(db, () => driver.inventory!());
    for (const o of report.orphaned)
      cli.out.write(`orphaned ${o.kind} ${o.id} ${o.name} (resource ${o.resourceId ?? 'none'})\n`);
    for (const m of report.missing)
      cli.out.write(`missing  ${m.type} ${m.resourceId} ${m.status}: ${m.vimIds.join(', ')} not in the VIM\n`);
    cli.err.write(`audit: ${report.orphaned.length} orphaned, ${report.missing.length} missing\n`);
    if (report.orphaned.length || report.missing.length) process.exitCode = 1;
  } finally {
    await db.close();
  }
}

const ROLES = [
  ['api', 'run the REST API and the event stream', 'Serve the REST API, the event stream and the console.'],
  [
    'controller',
    'run a controller: decide and dispatch steps',
    'Consume api_queue, callback_queue and its own callback queue; decide and dispatch steps;\ntake over expired leases.',
  ],
  [
    'worker',
    'run a worker: actions through the driver',
    'Consume work_queue, run actions through the driver, report their callbacks.',
  ],
  [
    'all',
    'run api, controller and worker in one process',
    'Run api, controller and worker in one process (for a laptop).',
  ],
] as const;

export function registerServerCommands(program: Command, cli: Cli): void {
  for (const [role, summary, description] of ROLES)
    program
      .command(role)
      .summary(summary)
      .description(
        `${description}\nConfigured by the environment (DATABASE_URL, AMQP_URL, PORT, ...: see the README).\n` +
          'SIGTERM or SIGINT stops it cleanly; a second one stops it at once.',
      )
      .option('--migrate', 'check PostgreSQL and RabbitMQ, and apply pending migrations first')
      .action((opts: { migrate?: boolean }) => runRoles(cli, role, opts));

  program
    .command('migrate')
    .summary('apply pending database migrations')
    .action(async () => {
      const { config, log } = await configured(cli, 'migrate');
      const { migrate } = await import('../../db/migrate.js');
      const { applied } = await migrate({ url: config.databaseUrl, dir: MIGRATIONS_DIR, log });
      log.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database is up to date');
    });

  program
    .command('audit')
    .summary("the VIM's objects against nfvo's database")
    .description(
      'List what nfvo owns in the VIM that its database does not know (orphaned), and what its\n' +
        'database holds that the VIM lacks (missing). Exits 1 if there is either.',
    )
    .action(() => audit(cli));
}
