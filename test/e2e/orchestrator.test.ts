// End to end: api, two controllers and two workers as separate OS processes, driven over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { makeTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { spawnNfvo, type Proc } from '../helpers/procs.js';
import { createPackage, smallCsar } from '../helpers/packages.js';

describe('nfvo as separate processes', () => {
  let env: TestEnv;
  let procs: Proc[] = [];
  let api: ReturnType<typeof client>;
  let pkg: string;

  before(async () => {
    env = await makeTestEnv('e2e', { LOG_LEVEL: 'info' });
    procs = await Promise.all(
      ['api', 'controller', 'controller', 'worker', 'worker'].map((role) => spawnNfvo(role, env.vars)),
    );
    api = client(`http://127.0.0.1:${await procs[0]!.port}`, env.auth());
    await waitFor('readiness', async () => (await api.get('/readyz')).status === 200);
  });

  after(async () => {
    const codes = await Promise.all(procs.map((p) => p.stop()));
    await env.cleanup();
    assert.deepEqual(
      codes,
      procs.map(() => 0),
      'every process stops cleanly on SIGTERM',
    );
  });

  const transitions = async (id: string) => (await api.get(`/v1/resources/${id}/transitions`)).body.items as any[];
  const path = async (id: string) => (await transitions(id)).map((t) => `${t.from}->${t.to}`);

  it('a vnf package reaches ONBOARDED with exactly three transitions', async () => {
    pkg = (await createPackage(api, 'e2e-pkg')).id;
    await api.waitStatus(pkg, 'ONBOARDED');
    assert.deepEqual(await path(pkg), ['CREATED->UPLOADED', 'UPLOADED->VALIDATED', 'VALIDATED->ONBOARDED']);
  });

  it('a vnf with volumes reaches INSTANTIATED, is terminated, then deleted', async () => {
    const vols = await Promise.all(
      [1, 2].map(
        async (i) => (await api.post('/v1/volumes', { name: `e2e-vol-${i}`, sizeGb: 10 * i })).body.id as string,
      ),
    );
    for (const v of vols) await api.waitStatus(v, 'AVAILABLE');
    const vnf = (await api.post('/v1/vnfs', { name: 'e2e-vnf', vnfPackageId: pkg, volumeIds: vols })).body.id;
    const up = await api.waitStatus(vnf, 'INSTANTIATED');
    assert.match(up.properties.serverId, /^srv-/);
    assert.deepEqual(up.properties.volumeIds, vols);
    assert.equal((await api.post(`/v1/vnfs/${vnf}/terminate`)).status, 202);
    const down = await api.waitStatus(vnf, 'TERMINATED');
    assert.equal(down.properties.serverId, undefined, 'compute released');
    assert.equal((await api.del(`/v1/vnfs/${vnf}`)).status, 202);
    await api.waitStatus(vnf, 'DELETED');
    assert.deepEqual(await path(vnf), [
      'CREATED->ALLOCATED',
      'ALLOCATED->BOOTED',
      'BOOTED->INSTANTIATED',
      'INSTANTIATED->TERMINATED',
      'TERMINATED->DELETED',
    ]);
  });

  it('an acl is applied and deleted', async () => {
    const acl = (
      await api.post('/v1/acls', {
        name: 'e2e-acl',
        rules: [
          { direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: '192.0.2.0/24', ports: '443' },
          { direction: 'egress', action: 'deny', protocol: 'any', cidr: '0.0.0.0/0' },
        ],
      })
    ).body.id;
    const applied = await api.waitStatus(acl, 'APPLIED');
    assert.deepEqual(applied.properties.ruleIds, ['rule-1', 'rule-2']);
    await api.del(`/v1/acls/${acl}`);
    await api.waitStatus(acl, 'DELETED');
    assert.deepEqual(await path(acl), ['CREATED->VALIDATED', 'VALIDATED->APPLIED', 'APPLIED->DELETED']);
  });

  it('injected failures are retried and then succeed', async () => {
    const id = (await createPackage(api, 'e2e-flaky', { simulate: { fail: { validate: 2, register: 1 } } })).id;
    await api.waitStatus(id, 'ONBOARDED');
    const ts = await transitions(id);
    assert.equal(ts.length, 3);
    assert.equal((await api.get(`/v1/tasks/${ts[1].taskId}`)).body.attempt, 3);
    assert.equal((await api.get(`/v1/tasks/${ts[2].taskId}`)).body.attempt, 2);
  });

  it('exhausted retries end in ERROR with the lock released, and the resource can be retried', async () => {
    const id = (await api.post('/v1/volumes', { name: 'e2e-doomed', sizeGb: 1, simulate: { fail: { create: 4 } } }))
      .body.id;
    const failed = await api.waitStatus(id, 'ERROR');
    assert.equal(failed.workerId, null);
    assert.match(failed.error, /volume\.create failed: simulated create failure/);
    assert.equal((await api.post(`/v1/resources/${id}/retry`)).status, 202);
    await api.waitStatus(id, 'AVAILABLE');
    assert.deepEqual(await path(id), ['CREATED->ERROR', 'ERROR->CREATED', 'CREATED->AVAILABLE']);
  });

  it('a missing FSM entry ends in ERROR with a clear message', async () => {
    const vnf = (
      await api.post('/v1/vnfs', { name: 'e2e-broken', vnfPackageId: pkg, simulate: { fail: { allocate: 10 } } })
    ).body.id;
    await api.waitStatus(vnf, 'ERROR');
    await api.post(`/v1/vnfs/${vnf}/terminate`);
    const r = await waitFor('the no-transition error', async () => {
      const x = (await api.get(`/v1/resources/${vnf}`)).body;
      return x.error === 'no transition from ERROR to TERMINATED' && x;
    });
    assert.equal(r.workerId, null);
    const last = (await transitions(vnf)).at(-1);
    assert.equal(last.error, 'no transition from ERROR to TERMINATED');
  });

  it('two controllers never both hold the lock: no resource ever has two actions in flight', async () => {
    // created first, their contents uploaded after: each controller gets some of the uploads' messages
    const ids: string[] = [];
    const simulate = { latencyMs: { upload: 30, validate: 30, register: 30 } };
    for (let i = 0; i < 20; i++)
      ids.push((await api.post('/v1/vnf-packages', { name: `race-${i}`, simulate })).body.id);
    const csar = await smallCsar();
    for (const id of ids) assert.equal((await api.put(`/v1/vnf-packages/${id}/content`, csar)).status, 202);
    // flood both controllers with duplicate reconcile requests for every resource while they run
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createConfirmChannel();
    for (let round = 0; round < 10; round++) {
      for (const id of ids)
        ch.sendToQueue(env.q('api_queue'), Buffer.from(JSON.stringify({ v: 1, kind: 'reconcile', resourceId: id })), {
          persistent: true,
        });
      await ch.waitForConfirms();
      await new Promise((r) => setTimeout(r, 20));
    }
    await conn.close();
    for (const id of ids) await api.waitStatus(id, 'ONBOARDED', 30_000);
    for (const id of ids) {
      assert.equal((await transitions(id)).length, 3, `${id}: exactly three transitions`);
      const tasks = (
        await env.pool.query(
          'SELECT name, created_at, finished_at FROM tasks WHERE resource_id = $1 ORDER BY created_at',
          [id],
        )
      ).rows;
      assert.deepEqual(
        tasks.map((t) => t.name),
        ['vnfp.upload', 'vnfp.validate', 'vnfp.register'],
      );
      for (let i = 1; i < tasks.length; i++)
        assert.ok(
          tasks[i - 1].finished_at <= tasks[i].created_at,
          `${id}: ${tasks[i].name} dispatched before ${tasks[i - 1].name} finished`,
        );
      const effects = (
        await env.pool.query(
          `SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND outcome = 'applied'`,
          [id],
        )
      ).rows[0].n;
      assert.equal(effects, 3);
    }
    const dispatchers = procs.filter(
      (p) => p.role === 'controller' && p.lines.some((l) => l.includes('dispatch vnfp.')),
    );
    assert.equal(dispatchers.length, 2, 'both controllers took part');
  });

  it('a malformed queue message is dead-lettered with its reason', async () => {
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(env.q('work_queue'), Buffer.from('{"v":1,"action":'), { persistent: true });
    await ch.waitForConfirms();
    const msg = await waitFor('dead letter', async () => ch.get(env.q('dead_letter'), { noAck: true }));
    await conn.close();
    assert.equal(msg.properties.headers?.['x-nfvo-reason'], 'malformed JSON');
    assert.equal(msg.properties.headers?.['x-nfvo-queue'], env.q('work_queue'));
    assert.equal(msg.content.toString(), '{"v":1,"action":');
  });
});
