// The database handle when PostgreSQL drops a connection in the middle of a transaction (a
// restart ends every backend): that transaction fails with a connection error, which the API
// answers as 503; the process goes on and the pool opens fresh connections.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeDb, type Db } from '../../src/db/db.js';
import { isConnectionError } from '../../src/errors.js';
import { makeTestEnv, quiet, sleep, type TestEnv } from '../helpers/env.js';

describe('database transactions', () => {
  let env: TestEnv;
  let db: Db;
  before(async () => {
    env = await makeTestEnv('database');
    db = makeDb({ url: env.config.databaseUrl, poolSize: 2, log: quiet, appName: 'nfvo-test-database' });
  });
  after(async () => {
    await db.close();
    await env.cleanup();
  });

  const terminate = (pid: number) => env.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  const backend = async (c: { query: Db['pool']['query'] }) =>
    (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;

  it('a connection ended while the transaction waits between statements fails it with a connection error', async () => {
    const err = await db
      .tx(async (c) => {
        await terminate(await backend(c));
        await sleep(300); // the server's goodbye arrives while no statement runs
        await c.query('SELECT 1');
      })
      .then(
        () => null,
        (e: Error) => e,
      );
    assert.ok(err, 'the transaction failed');
    assert.ok(isConnectionError(err), `a connection error: ${err.message}`);
    assert.equal((await db.pool.query('SELECT 2 AS two')).rows[0].two, 2, 'the pool goes on with a fresh connection');
  });

  it('a connection ended during a statement fails the transaction with a connection error', async () => {
    const err = await db
      .tx(async (c) => {
        const pid = await backend(c);
        setTimeout(() => terminate(pid).catch(() => {}), 200);
        await c.query('SELECT pg_sleep(5)');
      })
      .then(
        () => null,
        (e: Error) => e,
      );
    assert.ok(err, 'the transaction failed');
    assert.ok(isConnectionError(err), `a connection error: ${err.message}`);
    assert.equal(
      (await db.pool.query('SELECT 3 AS three')).rows[0].three,
      3,
      'the pool goes on with a fresh connection',
    );
  });
});
