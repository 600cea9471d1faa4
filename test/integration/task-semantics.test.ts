// Revoke, expiry and delayed steps, on the real services.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Running } from '../../src/compose.js';
import { ownerQueue } from '../../src/broker/topology.js';
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { createPackage } from '../helpers/packages.js';

describe('revoke', () => {
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;
  before(async () => {
    env = await makeTestEnv('revoke', { LEASE_SECONDS: '3' });
    ({ nfvo, api } = await startInProcess(env));
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  it('aborts a running task: the driver sees the abort, the resource goes to ERROR unlocked', async () => {
    const { body } = await api.post('/v1/volumes', {
      name: 'slow',
      sizeGb: 1,
      simulate: { latencyMs: { create: 30_000 } },
    });
    const taskId = await waitFor('task running', async () => {
      const r = (await api.get(`/v1/resources/${body.id}`)).body;
      return r.taskId && (await api.get(`/v1/tasks/${r.taskId}`)).body.state === 'STARTED' && r.taskId;
    });
    const rev = await api.post(`/v1/tasks/${taskId}/revoke`);
    assert.equal(rev.status, 202);
    const r = await api.waitStatus(body.id, 'ERROR', 10_000);
    assert.match(r.error, /volume\.create revoked/);
    const task = (await api.get(`/v1/tasks/${taskId}`)).body;
    assert.equal(task.state, 'REVOKED');
    await sleep(2_500); // a heartbeat has passed: the running attempt was aborted, no effect applied
    const effects = (
      await env.pool.query(`SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND outcome = 'applied'`, [
        body.id,
      ])
    ).rows[0].n;
    assert.equal(effects, 0);
    assert.equal((await api.post(`/v1/tasks/${taskId}/revoke`)).status, 409);
    assert.equal((await api.post('/v1/tasks/01a1fc00-0000-7000-8000-00000000dead/revoke')).status, 404);
    // the operator can retry it
    await env.pool.query('UPDATE resources SET driver_options = NULL WHERE id = $1', [body.id]);
    await api.post(`/v1/resources/${body.id}/retry`);
    await api.waitStatus(body.id, 'AVAILABLE');
  });

  it('a revoked queued task never runs, even after every process restarts', async () => {
    // no worker: the task waits in work_queue
    await nfvo.stop();
    ({ nfvo, api } = await startInProcess(env, ['api', 'controller']));
    const body = await createPackage(api, 'queued');
    const taskId = await waitFor(
      'task dispatched',
      async () => (await api.get(`/v1/resources/${body.id}`)).body.taskId,
    );
    assert.equal((await api.post(`/v1/tasks/${taskId}/revoke`)).status, 202);
    await api.waitStatus(body.id, 'ERROR');
    await nfvo.stop();
    ({ nfvo, api } = await startInProcess(env, ['api', 'controller', 'worker']));
    await sleep(1_000);
    const effects = (
      await env.pool.query(`SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1`, [body.id])
    ).rows[0].n;
    assert.equal(effects, 0, 'the revoked upload was never applied');
    assert.equal((await api.get(`/v1/tasks/${taskId}`)).body.state, 'REVOKED');
  });
});

describe('progress and priority', () => {
  let env: TestEnv;
  before(async () => {
    env = await makeTestEnv('progress', { WORKER_CONCURRENCY: '1' });
  });
  after(() => env.cleanup());

  it('a long action reports progress on its task and on the event stream while it runs', async () => {
    const { nfvo, base, api } = await startInProcess(env);
    try {
      const ctl = new AbortController();
      const res = await fetch(`${base}/v1/events?type=volume`, { headers: env.auth('viewer'), signal: ctl.signal });
      const { body } = await api.post('/v1/volumes', {
        name: 'progressing',
        sizeGb: 1,
        simulate: { latencyMs: { create: 1_500 } },
      });
      let text = '';
      for await (const chunk of res.body as any) {
        text += Buffer.from(chunk).toString();
        if (/event: progress\ndata: .*"percent":50/.test(text)) break;
      }
      ctl.abort();
      const ev = JSON.parse(/event: progress\ndata: (.*)/.exec(text)![1]!);
      assert.equal(ev.resourceId, body.id);
      assert.equal(ev.action, 'volume.create');
      assert.equal(ev.progress.percent, 50);
      const r = (await api.get(`/v1/resources/${body.id}`)).body;
      assert.equal((await api.get(`/v1/tasks/${r.taskId}`)).body.progress.percent, 50);
      await api.waitStatus(body.id, 'AVAILABLE');
    } finally {
      await nfvo.stop();
    }
  });

  it('an operator delete overtakes a backlog of creates', async () => {
    let { nfvo, api } = await startInProcess(env);
    try {
      const victim = (await api.post('/v1/volumes', { name: 'victim', sizeGb: 1 })).body.id;
      await api.waitStatus(victim, 'AVAILABLE');
      await nfvo.stop();
      // a backlog of 150 creates waits in the queues (no worker), then the delete is asked
      ({ nfvo, api } = await startInProcess(env, ['api', 'controller']));
      const backlog: string[] = [];
      for (let i = 0; i < 150; i++)
        backlog.push((await api.post('/v1/volumes', { name: `bulk-${i}`, sizeGb: 1 })).body.id);
      await waitFor(
        'backlog dispatched',
        async () =>
          (
            await env.pool.query(
              `SELECT count(*)::int AS n FROM tasks WHERE name = 'volume.create' AND state = 'PENDING'`,
            )
          ).rows[0].n === 150,
      );
      await api.del(`/v1/volumes/${victim}`);
      await waitFor(
        'delete dispatched',
        async () =>
          (
            await env.pool.query(
              `SELECT count(*)::int AS n FROM tasks WHERE resource_id = $1 AND name = 'volume.delete'`,
              [victim],
            )
          ).rows[0].n === 1,
      );
      await nfvo.stop();
      // one worker, one message at a time: the delete goes first
      ({ nfvo, api } = await startInProcess(env));
      await api.waitStatus(victim, 'DELETED', 30_000);
      // the ledger's ids give the order in which the worker applied the effects
      const creates = (
        await env.pool.query(
          `SELECT count(*)::int AS n FROM sim_ledger WHERE action = 'volume.create' AND resource_id = ANY($1::uuid[])
           AND id < (SELECT min(id) FROM sim_ledger WHERE resource_id = $2 AND action = 'volume.delete')`,
          [backlog, victim],
        )
      ).rows[0].n;
      assert.ok(creates < 20, `the delete ran after ${creates} of the 150 queued creates`);
      for (const id of backlog) await api.waitStatus(id, 'AVAILABLE', 30_000);
    } finally {
      await nfvo.stop();
    }
  });
});

describe('expiry', () => {
  let env: TestEnv;
  before(async () => {
    env = await makeTestEnv('expiry', { TASK_EXPIRES_SECONDS: '1' });
  });
  after(() => env.cleanup());

  it('an attempt that reaches a worker after its expiry is not run; the step is retried', async () => {
    let { nfvo, api } = await startInProcess(env, ['api', 'controller']);
    try {
      const body = await createPackage(api, 'late');
      await waitFor('dispatched', async () => (await api.get(`/v1/resources/${body.id}`)).body.taskId);
      await sleep(1_500); // the upload waits in the queue past its expiry
      await nfvo.stop();
      ({ nfvo, api } = await startInProcess(env));
      await api.waitStatus(body.id, 'ONBOARDED');
      const upload = (await api.get(`/v1/resources/${body.id}/transitions`)).body.items[0];
      const task = (await api.get(`/v1/tasks/${upload.taskId}`)).body;
      assert.equal(task.attempt, 2, 'the expired attempt was replaced by a retry');
      const uploads = (
        await env.pool.query(
          `SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND action = 'vnf_package.upload'`,
          [body.id],
        )
      ).rows[0].n;
      assert.equal(uploads, 1);
    } finally {
      await nfvo.stop();
    }
  });
});

describe('leases', () => {
  let env: TestEnv;
  before(async () => {
    env = await makeTestEnv('lease', { LEASE_SECONDS: '1' });
  });
  after(() => env.cleanup());

  it('an attempt waiting in a queue keeps its lease; one whose holder is gone is taken over', async () => {
    let { nfvo, api } = await startInProcess(env, ['api', 'controller']);
    try {
      const { body } = await api.post('/v1/volumes', { name: 'orphan', sizeGb: 1 });
      const taskId = await waitFor('dispatched', async () => (await api.get(`/v1/resources/${body.id}`)).body.taskId);
      // no worker: the lease (1 s) runs out while the attempt waits in the queue; it is renewed, not re-sent
      await sleep(2_500);
      assert.equal((await api.get(`/v1/tasks/${taskId}`)).body.attempt, 1);
      assert.ok((await api.get(`/v1/resources/${body.id}`)).body.workerId);
      // the attempt has been silent for longer than it may wait: the step is sent again
      await env.pool.query(`UPDATE tasks SET updated_at = now() - interval '1 hour' WHERE id = $1`, [taskId]);
      await waitFor('take-over', async () => (await api.get(`/v1/tasks/${taskId}`)).body.attempt === 2);
      await nfvo.stop();
      ({ nfvo, api } = await startInProcess(env));
      await api.waitStatus(body.id, 'AVAILABLE');
      const created = (
        await env.pool.query(
          `SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND action = 'volume.create'`,
          [body.id],
        )
      ).rows[0].n;
      assert.equal(created, 1, 'the stale first attempt did not run as well');
      assert.equal((await api.get(`/v1/resources/${body.id}/transitions`)).body.items.length, 1);
    } finally {
      await nfvo.stop();
    }
  });
});

describe('stopping a worker', () => {
  let env: TestEnv;
  before(async () => {
    env = await makeTestEnv('stopping', { STOP_TIMEOUT_MS: '300', LEASE_SECONDS: '2', WORKER_CONCURRENCY: '16' });
  });
  // a controller stopped with callbacks unsettled leaves its queue to expire: delete it here
  const started: string[] = [];
  after(() => env.cleanup(started.map((id) => ownerQueue('callback_queue', id))));

  it('aborts the attempts still running after the stop timeout; the next start runs each of them once', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let { nfvo, api } = await startInProcess(env);
    started.push(nfvo.id);
    try {
      // the sim applies a create at the end of its latency; created together, so that all of them
      // are running at once however slow the machine is
      const ids: string[] = (
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            api.post('/v1/volumes', { name: `slow-${i}`, sizeGb: 1, simulate: { latencyMs: { create: 8_000 } } }),
          ),
        )
      ).map((r) => r.body.id);
      let seen: unknown;
      const polls: number[] = [];
      await waitFor('all running', async () => {
        polls.push(Date.now());
        seen = (
          await env.pool.query(
            `SELECT state, attempt, count(*)::int AS n, min(created_at) AS c0, min(started_at) AS s0, max(started_at) AS s1,
                    min(finished_at) AS f0, max(finished_at) AS f1 FROM tasks GROUP BY 1, 2`,
          )
        ).rows;
        return (await env.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE state = 'STARTED'`)).rows[0].n === 12;
      }).catch((err: Error) => {
        const at = (t: number | undefined) => (t ? new Date(t).toISOString() : '-');
        void env.pool
          .query(`SELECT routing_key, payload->>'resourceId' AS r, created_at, sent_at FROM outbox ORDER BY id`)
          .then((o) => console.error('OUTBOX', JSON.stringify(o.rows)));
        throw new Error(
          `${err.message}; polls ${polls.length} ${at(polls[0])}..${at(polls.at(-1))}; tasks ${JSON.stringify(seen)}`,
        );
      });
      await nfvo.stop();
      await sleep(2_500);
      const applied = async () =>
        (
          await env.pool.query(
            `SELECT count(*)::int AS n FROM sim_ledger WHERE action = 'volume.create' AND outcome = 'applied'`,
          )
        ).rows[0].n;
      assert.equal(await applied(), 0, 'the stopped attempts were aborted before they applied anything');
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
        'no process warnings while 12 attempts ran',
      );
      ({ nfvo, api } = await startInProcess(env));
      started.push(nfvo.id);
      for (const id of ids) await api.waitStatus(id, 'AVAILABLE', 30_000);
      assert.equal(await applied(), 12, 'each volume was created once');
    } finally {
      process.off('warning', onWarning);
      await nfvo.stop();
    }
  });
});
