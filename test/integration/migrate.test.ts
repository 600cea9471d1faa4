import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import wasm from '@prisma/prisma-schema-wasm';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { makeTestEnv, MIGRATIONS, quiet, ROOT, type TestEnv } from '../helpers/env.js';

// Prisma scalar type -> PostgreSQL data types it may be stored as
const COMPATIBLE: Record<string, string[]> = {
  String: ['text', 'character varying', 'uuid'],
  Int: ['integer'],
  BigInt: ['bigint'],
  Boolean: ['boolean'],
  DateTime: ['timestamp with time zone', 'timestamp without time zone'],
  Json: ['jsonb', 'json'],
  Float: ['double precision'],
  Bytes: ['bytea'],
};
const NATIVE: Record<string, string> = { Uuid: 'uuid', Timestamptz: 'timestamp with time zone' };

type DmmfField = {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isList: boolean;
  dbName?: string | null;
  nativeType?: [string, unknown[]] | null;
};
type DmmfModel = { name: string; dbName: string | null; fields: DmmfField[] };

describe('nfvo migrate', () => {
  let env: TestEnv;
  before(async () => {
    env = await makeTestEnv('migrate');
  });
  after(() => env.cleanup());

  it('records every migration the way Prisma does, and a second run applies nothing', async () => {
    const files = await readMigrations(MIGRATIONS);
    const rows = (
      await env.pool.query(
        'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
      )
    ).rows;
    assert.deepEqual(
      rows.map((r) => r.migration_name),
      files.map((f) => f.name),
    );
    for (const [i, r] of rows.entries()) {
      const sql = readFileSync(path.join(MIGRATIONS, files[i]!.name, 'migration.sql'), 'utf8');
      assert.equal(r.checksum, createHash('sha256').update(sql).digest('hex'));
      assert.ok(r.finished_at instanceof Date);
      assert.equal(r.applied_steps_count, 1);
      assert.equal(r.rolled_back_at, null);
    }
    const again = await migrate({ url: env.config.databaseUrl, dir: MIGRATIONS, log: quiet });
    assert.deepEqual(again.applied, []);
  });

  it('concurrent runs apply each migration once (advisory lock)', async () => {
    await env.pool.query('DELETE FROM _prisma_migrations');
    const tables = await env.pool.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    );
    await env.pool.query(`DROP TABLE ${tables.rows.map((r) => `"${r.tablename}"`).join(', ')}`);
    const runs = await Promise.all(
      [1, 2, 3].map(() => migrate({ url: env.config.databaseUrl, dir: MIGRATIONS, log: quiet })),
    );
    const total = runs.reduce((n, r) => n + r.applied.length, 0);
    const files = await readMigrations(MIGRATIONS);
    assert.equal(total, files.length);
    const { rows } = await env.pool.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    assert.equal(rows[0].n, files.length);
  });

  it('schema.prisma and the migrated database agree on every model and field', async () => {
    const schema = readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
    const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] }))) as {
      datamodel: { models: DmmfModel[] };
    };
    const cols = (
      await env.pool.query(
        `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
      )
    ).rows;
    const models = dmmf.datamodel.models;
    assert.ok(models.length >= 5);
    for (const m of models) {
      const table = m.dbName ?? m.name;
      const tableCols = cols.filter((c) => c.table_name === table);
      assert.ok(tableCols.length > 0, `table ${table} (model ${m.name}) exists`);
      for (const f of m.fields.filter((x) => x.kind === 'scalar')) {
        const col = tableCols.find((c) => c.column_name === (f.dbName ?? f.name));
        assert.ok(col, `${table}.${f.dbName ?? f.name} exists (field ${m.name}.${f.name})`);
        const allowed = f.isList
          ? ['ARRAY']
          : f.nativeType && NATIVE[f.nativeType[0]]
            ? [NATIVE[f.nativeType[0]]!]
            : COMPATIBLE[f.type]!;
        assert.ok(
          allowed.includes(col.data_type),
          `${table}.${col.column_name}: ${col.data_type} is not compatible with ${f.type}`,
        );
        assert.equal(col.is_nullable === 'YES', !f.isRequired, `${table}.${col.column_name} nullability`);
      }
      assert.equal(
        tableCols.length,
        m.fields.filter((x) => x.kind === 'scalar').length,
        `${table} has no columns outside the model`,
      );
    }
  });
});
