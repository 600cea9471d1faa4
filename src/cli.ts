#!/usr/bin/env node
// nfvo: one entry for every role.
//   nfvo api | controller | worker     run one role
//   nfvo all [--migrate]               api + controller + worker in one process
//   nfvo migrate                       apply pending database migrations
//   nfvo watch [resource-id]           print transitions live (NFVO_TOKEN: a viewer token)
//   nfvo token create --role R [--name N]  create an API token and print it once
//   nfvo audit                         what nfvo owns in the VIM against its database, both ways
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { probeBroker } from './broker/connection.js';
import { startRoles, type Role as ProcessRole } from './compose.js';
import { ConfigError, loadConfig, redactUrl, type Config } from './config.js';
import { makePgStore } from './db/content-repository.js';
import { makeDb, probeDatabase } from './db/db.js';
import { migrate } from './db/migrate.js';
import { makeLogger } from './log.js';
import { ROLES, type Role } from './model.js';
import { packageFiles } from './content/package-files.js';
import { driverPlugin } from './drivers/registry.js';
import { audit } from './usecases/audit.js';
import { makeUseCases } from './usecases/index.js';
import { watch } from './watch.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const MIGRATIONS_DIR = path.resolve(HERE, '..', 'prisma', 'migrations');

const USAGE = `usage: nfvo <api|controller|worker|all [--migrate]|migrate|audit|watch [resource-id]|token create --role viewer|operator|admin [--name NAME]>`;

/** Fail fast, saying which service is missing and how to start it. */
async function preflight(config: Config): Promise<void> {
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

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      migrate: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      role: { type: 'string' },
      name: { type: 'string' },
    },
  });
  const [cmd, arg] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig(process.env);
  const log = makeLogger(config.logLevel, cmd);
  switch (cmd) {
    case 'migrate': {
      const { applied } = await migrate({ url: config.databaseUrl, dir: MIGRATIONS_DIR, log });
      log.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database is up to date');
      return;
    }
    case 'watch':
      await watch({
        baseUrl: config.nfvoUrl,
        resourceId: arg,
        out: process.stdout,
        headers: process.env.NFVO_TOKEN ? { Authorization: `Bearer ${process.env.NFVO_TOKEN}` } : {},
      });
      return;
    case 'token': {
      const role = values.role as Role | undefined;
      if (arg !== 'create' || !role || !(ROLES as readonly string[]).includes(role))
        throw new ConfigError(`usage: nfvo token create --role ${ROLES.join('|')} [--name NAME]`);
      const db = makeDb({ url: config.databaseUrl, poolSize: 1, log, appName: 'nfvo-cli' });
      try {
        const uc = makeUseCases(db, () => {}, { content: makePgStore(db), maxBytes: config.packageMaxBytes });
        const { token, info } = await uc.tokens.create(role, values.name ?? `${role} token`);
        process.stderr.write(`created ${info.role} token ${info.id} ("${info.name}"); it is shown once:\n`);
        process.stdout.write(`${token}\n`);
      } finally {
        await db.close();
      }
      return;
    }
    case 'audit': {
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
          process.stdout.write(`orphaned ${o.kind} ${o.id} ${o.name} (resource ${o.resourceId ?? 'none'})\n`);
        for (const m of report.missing)
          process.stdout.write(
            `missing  ${m.type} ${m.resourceId} ${m.status}: ${m.vimIds.join(', ')} not in the VIM\n`,
          );
        process.stderr.write(`audit: ${report.orphaned.length} orphaned, ${report.missing.length} missing\n`);
        if (report.orphaned.length || report.missing.length) process.exitCode = 1;
      } finally {
        await db.close();
      }
      return;
    }
    case 'api':
    case 'controller':
    case 'worker':
    case 'all': {
      if (values.migrate) {
        await preflight(config);
        await migrate({ url: config.databaseUrl, dir: MIGRATIONS_DIR, log });
      }
      const roles: ProcessRole[] = cmd === 'all' ? ['api', 'controller', 'worker'] : [cmd];
      const running = await startRoles(config, roles);
      onSignals(() => running.stop());
      return;
    }
    default:
      throw new ConfigError(`unknown command "${cmd}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`nfvo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
