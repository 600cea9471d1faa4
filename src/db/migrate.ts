// `nfvo migrate`: apply prisma/migrations/<ts>_<name>/migration.sql in order, each in
// its own transaction, under an advisory lock, recorded in _prisma_migrations the way
// `prisma migrate deploy` records them (so either tool can take over from the other).
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../log.js';

const LOCK_KEY = 72707369; // Prisma's migrate advisory lock key, so the two tools exclude each other

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export type MigrationFile = { name: string; sql: string; checksum: string };

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: MigrationFile[] = [];
  for (const name of entries) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
    out.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

/** Create the target database if it does not exist (connecting to the maintenance db). */
export async function ensureDatabase(url: string, log: Logger): Promise<void> {
  const u = new URL(url);
  const dbName = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!dbName) return;
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (r.rowCount === 0) {
      await c.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
      log.info({ database: dbName }, 'database created');
    }
  } finally {
    await c.end();
  }
}

export async function migrate(opts: { url: string; dir: string; log: Logger }): Promise<{ applied: string[] }> {
  const { log } = opts;
  await ensureDatabase(opts.url, log);
  const files = await readMigrations(opts.dir);
  const c = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5_000 });
  await c.connect();
  const applied: string[] = [];
  try {
    await c.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await c.query(CREATE_TABLE);
    const done = await c.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const byName = new Map(done.rows.map((r) => [r.migration_name, r]));
    for (const f of files) {
      const prev = byName.get(f.name);
      if (prev?.finished_at) {
        if (prev.checksum !== f.checksum)
          log.warn(
            { migration: f.name },
            'migration file changed after it was applied; landed migrations must not be edited',
          );
        continue;
      }
      if (prev)
        throw new Error(
          `migration ${f.name} started earlier but did not finish; inspect the database, then mark it rolled back`,
        );
      const id = randomUUID();
      await c.query('BEGIN');
      try {
        await c.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
          [id, f.checksum, f.name],
        );
        await c.query(f.sql);
        await c.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [
          id,
        ]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK');
        throw new Error(`migration ${f.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(f.name);
      log.info({ migration: f.name }, 'migration applied');
    }
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await c.end();
  }
  return { applied };
}
