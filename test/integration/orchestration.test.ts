// The pipeline in one process against the real PostgreSQL and RabbitMQ: steps, callbacks,
// retries, ERROR, retry, spec changes in flight, lease take-over and exactly-once effects.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { type Running } from '../../src/compose.js';
import { uuidv7 } from '../../src/ids.js';
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { startInProcess } from '../helpers/in-process.js';
import { createPackage, onboardedPackage, smallCsar } from '../helpers/packages.js';

describe('orchestration (api + controller + worker in one process)', () => {
  let env: TestEnv;
  let nfvo: Running;
  let api: ReturnType<typeof client>;

  before(async () => {
    env = await makeTestEnv('orch');
    ({ nfvo, api } = await startInProcess(env));
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  const transitions = async (id: string) => (await api.get(`/v1/resources/${id}/transitions`)).body.items as any[];
  const ledger = async (id: string) =>
    (
      await env.pool.query(`SELECT action FROM sim_ledger WHERE resource_id = $1 AND outcome = 'applied' ORDER BY id`, [
        id,
      ])
    ).rows.map((r) => r.action);

  it('onboards a vnf package in three recorded transitions and three applied effects', async () => {
    const created = await api.post('/v1/vnf-packages?name=pkg-a', await smallCsar());
    assert.equal(created.status, 202);
    assert.equal(created.headers.get('location'), `/v1/vnf-packages/${created.body.id}`);
    assert.equal(created.body.status, 'CREATED');
    assert.equal(created.body.spec, 'ONBOARDED');
    const done = await api.waitStatus(created.body.id, 'ONBOARDED');
    assert.equal(done.properties.checksum.algorithm, 'SHA-256', 'the upload callback stored the checksum');
    assert.equal(done.properties.vnfd.productName, 'Sample VNF', 'the validate callback stored the VNFD summary');
    assert.ok(done.properties.softwareImages[0].vimImageId, 'the register callback stored the image ids');
    const ts = await transitions(created.body.id);
    assert.deepEqual(
      ts.map((t) => `${t.from}->${t.to}:${t.action}`),
      ['CREATED->UPLOADED:vnfp.upload', 'UPLOADED->VALIDATED:vnfp.validate', 'VALIDATED->ONBOARDED:vnfp.register'],
    );
    assert.ok(ts.every((t) => t.outcome === 'SUCCESS' && t.taskId && t.durationMs >= 0));
    assert.deepEqual(await ledger(created.body.id), [
      'vnf_package.upload',
      'vnf_package.validate',
      'vnf_package.register',
    ]);
    const task = await api.get(`/v1/tasks/${ts[2].taskId}`);
    assert.equal(task.body.state, 'SUCCESS');
    assert.equal(task.body.name, 'vnfp.register');
  });

  it('one batched read serves the same resource with different tasks', async () => {
    const { loadResources } = await import('../../src/db/step-repository.js');
    const body = { id: await onboardedPackage(api, 'two-tasks') };
    const [t1, t2] = (await transitions(body.id)).map((t) => t.taskId);
    const loaded = await loadResources(env.pool, [
      { id: body.id, taskId: t1 },
      { id: body.id, taskId: t2 },
      { id: body.id },
    ]);
    assert.deepEqual(
      loaded.map((l) => l?.task?.id ?? null),
      [t1, t2, null],
    );
  });

  it('retries injected failures with backoff and then succeeds', async () => {
    const body = await createPackage(api, 'flaky', { simulate: { fail: { validate: 2 } } });
    await api.waitStatus(body.id, 'ONBOARDED');
    const ts = await transitions(body.id);
    assert.equal(ts.length, 3);
    const task = (await api.get(`/v1/tasks/${ts[1].taskId}`)).body;
    assert.equal(task.name, 'vnfp.validate');
    assert.equal(task.attempt, 3);
    assert.equal(task.state, 'SUCCESS');
  });

  it('exhausted retries end in ERROR with the lock released; retry resumes where it failed', async () => {
    const body = await createPackage(api, 'doomed', { simulate: { fail: { upload: 4 } } });
    const failed = await api.waitStatus(body.id, 'ERROR');
    assert.equal(failed.workerId, null);
    assert.match(
      failed.error,
      /vnfp\.upload failed: simulated upload failure \(4 of 4 injected\) \(after 4 attempts\)/,
    );
    assert.equal((await api.post(`/v1/resources/${body.id}/retry`)).status, 202);
    // the injected failures are used up: the fifth upload succeeds
    await api.waitStatus(body.id, 'ONBOARDED');
    const ts = await transitions(body.id);
    assert.deepEqual(
      ts.map((t) => `${t.from}->${t.to}`),
      ['CREATED->ERROR', 'ERROR->CREATED', 'CREATED->UPLOADED', 'UPLOADED->VALIDATED', 'VALIDATED->ONBOARDED'],
    );
    const again = await api.post(`/v1/resources/${body.id}/retry`);
    assert.equal(again.status, 409);
    assert.match(again.body.detail, /not ERROR/);
  });

  it('a spec without an FSM entry ends in ERROR with a clear message', async () => {
    const pkg = { body: { id: await onboardedPackage(api, 'p-nofsm') } };
    const vnf = await api.post('/v1/vnfs', {
      name: 'v-nofsm',
      vnfPackageId: pkg.body.id,
      simulate: { fail: { allocate: 9 } },
    });
    await api.waitStatus(vnf.body.id, 'ERROR');
    assert.equal((await api.post(`/v1/vnfs/${vnf.body.id}/terminate`)).status, 202);
    const r = await waitFor('no-transition error', async () => {
      const x = (await api.get(`/v1/resources/${vnf.body.id}`)).body;
      return x.error === 'no transition from ERROR to TERMINATED' && x;
    });
    assert.equal(r.status, 'ERROR');
    assert.equal(r.workerId, null);
    // and DELETE still works from ERROR
    await api.del(`/v1/vnfs/${vnf.body.id}`);
    await api.waitStatus(vnf.body.id, 'DELETED');
  });

  it('a delete during onboarding lets the running step finish, then deletes', async () => {
    const body = await createPackage(api, 'slow', { simulate: { latencyMs: { upload: 400 } } });
    await waitFor('upload running', async () => (await api.get(`/v1/resources/${body.id}`)).body.workerId !== null);
    assert.equal((await api.del(`/v1/vnf-packages/${body.id}`)).status, 202);
    await api.waitStatus(body.id, 'DELETED');
    const ts = await transitions(body.id);
    assert.deepEqual(
      ts.map((t) => `${t.from}->${t.to}`),
      ['CREATED->UPLOADED', 'UPLOADED->DELETED'],
    );
  });

  it('a create message whose row changed before the controller saw it is decided from the row', async () => {
    // the row as a create inserted it, then deleted before any controller looked at it (version 2)
    const id = uuidv7();
    await env.pool.query(
      `INSERT INTO resources (id, type, name, status, spec, properties, version) VALUES ($1, 'vnf_package', 'stale-hint', 'CREATED', 'DELETED', '{}', 2)`,
      [id],
    );
    const created = {
      type: 'vnf_package',
      name: 'stale-hint',
      status: 'CREATED',
      spec: 'ONBOARDED',
      version: 1,
      properties: {},
      simulate: null,
      createdAt: new Date().toISOString(),
    };
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(
      env.q('api_queue'),
      Buffer.from(JSON.stringify({ v: 1, kind: 'reconcile', resourceId: id, created })),
      { persistent: true },
    );
    await ch.waitForConfirms();
    await conn.close();
    await api.waitStatus(id, 'DELETED');
    // the hint said "onboard"; the row said "delete": nothing was uploaded
    assert.deepEqual(
      (await transitions(id)).map((t) => `${t.from}->${t.to}`),
      ['CREATED->DELETED'],
    );
    assert.deepEqual(await ledger(id), ['vnf_package.delete']);
  });

  it('a long action reports progress on its task while it runs', async () => {
    const { body } = await api.post('/v1/volumes', {
      name: 'big',
      sizeGb: 100,
      simulate: { latencyMs: { create: 800 } },
    });
    const progress = await waitFor('progress', async () => {
      const r = (await api.get(`/v1/resources/${body.id}`)).body;
      if (!r.taskId) return null;
      const t = (await api.get(`/v1/tasks/${r.taskId}`)).body;
      return t.state === 'STARTED' && t.progress;
    });
    assert.equal(progress.percent, 50);
    await api.waitStatus(body.id, 'AVAILABLE');
  });

  it('a redelivered non-re-entrant action is not applied twice', async () => {
    const { body } = { body: { id: await onboardedPackage(api, 'once') } };
    const properties = { content: (await api.get(`/v1/resources/${body.id}`)).body.properties.content };
    const upload = (await transitions(body.id))[0];
    // replay the exact work message of the finished upload, as a broker redelivery would
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createConfirmChannel();
    const step = {
      action: 'vnfp.upload',
      next: 'UPLOADED',
      callback: 'store_artifact',
      countdown: 0,
      max_retry: 3,
      re_entrant: false,
    };
    const msg = {
      v: 1,
      taskId: upload.taskId,
      resourceId: body.id,
      resourceType: 'vnf_package',
      action: 'vnfp.upload',
      attempt: 1,
      args: { name: 'once', properties, options: null },
      callbacks: {
        success: { queue: 'callback_queue', nextTask: step },
        error: { queue: 'callback_queue', nextTask: step },
      },
    };
    ch.sendToQueue(env.q('work_queue'), Buffer.from(JSON.stringify(msg)), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    await sleep(500);
    assert.deepEqual(await ledger(body.id), ['vnf_package.upload', 'vnf_package.validate', 'vnf_package.register']);
    assert.equal((await transitions(body.id)).length, 3);
  });
});
