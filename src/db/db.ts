// The database handle: one pg pool, shared by the Prisma client (API reads and
// writes) and by the hand-written SQL of the hot paths (controller, worker, relay).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { Logger } from '../log.js';

// BIGINT ids (transitions, outbox) fit in a JS number for the lifetime of any installation.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = {
  pool: pg.Pool;
  prisma: PrismaClient;
  /** Whether the database answers now. */
  ping(): Promise<boolean>;
  /** Run fn in one transaction on one connection; rolls back on throw. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type Sql = Pick<pg.PoolClient, 'query'>;

export function makeDb(opts: { url: string; poolSize: number; log: Logger; appName: string }): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    application_name: opts.appName,
    // the hot paths' named statements take arrays of keys: the planner's custom plan for each
    // call is the same index lookup as the generic one, so plan once per connection instead.
    // A generic plan expects 10 or 100 keys; at the default random_page_cost (4, for spinning
    // disks) that many index lookups looked dearer than a pass over a table of a few thousand
    // rows, and every step paid for the pass. The rows a step touches are hot (just written):
    // price a random read like a cached one, as is usual for SSDs.
    options: '-c plan_cache_mode=force_generic_plan -c random_page_cost=1.1',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // a statement that hangs (e.g. the server is being restarted) must not hang the caller
    query_timeout: 30_000,
  });
  // an idle client losing its connection must not crash the process; the pool replaces it
  pool.on('error', (err) => opts.log.warn({ err: err.message }, 'database connection lost'));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });

  async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    // a checked-out connection lost between statements (the server restarting while the
    // transaction waits, e.g. for a publish) reports it as an event: without a listener that
    // would end the process. The transaction fails with it and the connection is discarded.
    // (the first error says why: "terminating connection due to administrator command")
    let lost: Error | undefined;
    const onLost = (err: Error) => (lost ??= err);
    c.on('error', onLost);
    let broken = false;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      // a statement past query_timeout still runs on the connection: a ROLLBACK would wait behind it
      if (lost || (err as Error).message === 'Query read timeout') broken = true;
      else {
        try {
          await c.query('ROLLBACK');
        } catch {
          broken = true;
        }
      }
      throw lost ?? err;
    } finally {
      c.removeListener('error', onLost);
      c.release(broken);
    }
  }

  return {
    pool,
    prisma,
    ping: async () => (await pool.query('SELECT 1')).rowCount === 1,
    tx,
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

/** Whether PostgreSQL at `url` accepts a connection now (its maintenance database; for a start-up check). */
export async function probeDatabase(url: string, timeoutMs = 3_000): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: timeoutMs });
  try {
    await c.connect();
  } finally {
    await c.end().catch(() => {});
  }
}
