// Steps that wait on the VIM: the driver says "started, check again", the controller checks
// back later as a delayed step, and no worker slot is held meanwhile (the sim's async mode).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Running } from '../../src/compose.js';
import { makeTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';

describe('steps that wait (SIM_ASYNC, one worker slot)', () => {
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;

  before(async () => {
    // one action at a time: were the waits held in the worker, the volumes would be created one by one
    env = await makeTestEnv('waiting', { SIM_ASYNC: 'true', SIM_LATENCY_MS: '4000', WORKER_CONCURRENCY: '1' });
    ({ nfvo, api } = await startInProcess(env));
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  const statusCount = async (ids: string[], status: string) =>
    (await env.pool.query(`SELECT count(*)::int AS n FROM resources WHERE id = ANY($1) AND status = $2`, [ids, status]))
      .rows[0].n as number;

  it('five volumes wait as CREATING at the same time on one worker slot, then each becomes AVAILABLE once', async () => {
    // created together, so that all five are waiting at once however slow the machine is
    const created = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => api.post('/v1/volumes', { name: `wait-${i}`, sizeGb: 1 })),
    );
    const ids: string[] = created.map((r) => r.body.id);
    let seen: unknown;
    const polls: number[] = [];
    await waitFor('all five CREATING at once', async () => {
      polls.push(Date.now());
      seen = (
        await env.pool.query(
          `SELECT resource_id, from_status, to_status, created_at FROM transitions WHERE resource_id = ANY($1) ORDER BY id`,
          [ids],
        )
      ).rows;
      return (await statusCount(ids, 'CREATING')) === 5;
    }).catch((err: Error) => {
      throw new Error(
        `${err.message}; created ${JSON.stringify(created.map((r) => r.status))}, seen ${JSON.stringify(seen)}`,
      );
    });
    for (const id of ids) await api.waitStatus(id, 'AVAILABLE');
    const { body } = await api.get(`/v1/resources/${ids[0]}/transitions`);
    assert.deepEqual(
      body.items.map((t: any) => `${t.from}->${t.to} ${t.outcome}`),
      ['CREATED->CREATING WAITING', 'CREATING->AVAILABLE SUCCESS'],
    );
    const tasks = (
      await env.pool.query(`SELECT checks, waiting_since, state FROM tasks WHERE resource_id = ANY($1)`, [ids])
    ).rows;
    assert.ok(
      tasks.every((t) => t.checks >= 1 && t.waiting_since && t.state === 'SUCCESS'),
      JSON.stringify(tasks),
    );
    const effects = (
      await env.pool.query(
        `SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = ANY($1) AND action = 'volume.create' AND outcome = 'applied'`,
        [ids],
      )
    ).rows[0].n;
    assert.equal(effects, 5);
  });

  it('a delete asked while a create waits is followed at once, not after the wait', async () => {
    const { body } = await api.post('/v1/volumes', {
      name: 'wait-long',
      sizeGb: 1,
      simulate: { latencyMs: { create: 600_000 } },
    });
    await waitFor('CREATING', async () => (await api.get(`/v1/resources/${body.id}`)).body.status === 'CREATING');
    assert.equal((await api.del(`/v1/volumes/${body.id}`)).status, 202);
    await api.waitStatus(body.id, 'DELETED', 30_000);
    const create = (
      await env.pool.query(`SELECT state, error FROM tasks WHERE resource_id = $1 AND name = 'volume.create'`, [
        body.id,
      ])
    ).rows[0];
    assert.equal(create.state, 'REVOKED');
    assert.match(create.error, /superseded: spec changed to DELETED/);
  });

  it('an attempt retried after a failed check resumes the wait from what the task recorded', async () => {
    const { body } = await api.post('/v1/volumes', {
      name: 'wait-retry',
      sizeGb: 1,
      simulate: { fail: { create: 1 } },
    });
    const done = await api.waitStatus(body.id, 'AVAILABLE');
    assert.equal(done.status, 'AVAILABLE');
    const t = (await env.pool.query(`SELECT attempt, checks, progress FROM tasks WHERE resource_id = $1`, [body.id]))
      .rows[0];
    assert.equal(t.attempt, 2, 'the failed check was retried');
    assert.equal(typeof t.progress.simStartedAt, 'number');
    // handed the first attempt's start, the second finished at once instead of waiting again
    assert.equal(t.checks, 0, 'the retried attempt did not start the wait over');
  });
});
