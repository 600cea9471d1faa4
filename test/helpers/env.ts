// Per-file isolation against the real services: each test file gets its own database
// (migrated from prisma/migrations) and its own queue prefix on the real RabbitMQ.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { deleteTopology } from './topology.js';
import { loadConfig, type Config } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createToken, ROLES, type Role } from '../../src/db/token-repository.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');
const BASE_DB = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const BASE_AMQP = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export type TestEnv = {
  config: Config;
  /** Environment variables for child processes using this isolated database and queues. */
  vars: Record<string, string>;
  pool: pg.Pool;
  /** A token of each role, in this environment's database. */
  tokens: Record<Role, string>;
  /** Authorization headers of a role (operator by default). */
  auth(role?: Role): Record<string, string>;
  q(name: string): string;
  /** Drop the database and the broker topology, with the owners' queues given (ownerQueue() names). */
  cleanup(ownerQueues?: string[]): Promise<void>;
};

export async function makeTestEnv(label: string, overrides: Record<string, string> = {}): Promise<TestEnv> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const dbUrl = new URL(BASE_DB);
  dbUrl.pathname = `/nfvo_test_${suffix}`;
  const prefix = `test.${suffix}.`;
  const vars: Record<string, string> = {
    DATABASE_URL: dbUrl.toString(),
    AMQP_URL: BASE_AMQP,
    QUEUE_PREFIX: prefix,
    // the whole suite runs on either queue type: QUEUE_TYPE=quorum npm test
    QUEUE_TYPE: process.env.QUEUE_TYPE ?? 'classic',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    RETRY_BASE_MS: '20',
    RETRY_MAX_MS: '200',
    SWEEP_INTERVAL_MS: '200',
    OUTBOX_POLL_MS: '50',
    STOP_TIMEOUT_MS: '1000',
    ...overrides,
  };
  const config = loadConfig(vars);
  await migrate({ url: config.databaseUrl, dir: MIGRATIONS, log: quiet });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 3 });
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) tokens[role] = (await createToken(pool, role, `test ${role}`)).token;
  return {
    config,
    vars,
    pool,
    tokens,
    auth: (role = 'operator') => ({ authorization: `Bearer ${tokens[role]}` }),
    q: (name) => prefix + name,
    async cleanup(ownerQueues = []) {
      await pool.end();
      await deleteTopology(config.amqpUrl, prefix, ownerQueues);
      const admin = new pg.Client({ connectionString: BASE_DB });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "nfvo_test_${suffix}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

export { sleep };

/** Poll until fn returns a truthy value; fails with the last value seen. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await sleep(50);
  }
}
