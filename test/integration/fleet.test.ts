// Processes report in, are shown offline when they die and dropped later; /metrics speaks
// Prometheus with what operators of job systems expect; a take-over names the process that
// held the lease; the fleet endpoints answer.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { pino } from 'pino';
import { randomUUID } from 'node:crypto';
import { startRoles, type Running } from '../../src/compose.js';
import { resourceKinds } from '../../src/fsm/index.js';
import { makeTestEnv, quiet, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { createPackage } from '../helpers/packages.js';
import { spawnNfvo } from '../helpers/procs.js';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parse the Prometheus text format strictly: every sample belongs to a family with HELP and TYPE. */
function parseMetrics(text: string): Sample[] {
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line))) helped.add(m[1]!);
    else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)))
      typed.set(m[1]!, m[2]!);
    else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|Nan|[+-]Inf)$/.exec(line))) {
      const name = m[1]!;
      const family = [...typed.keys()].find(
        (f) => name === f || (/^_(bucket|sum|count|total|created)$/.test(name.slice(f.length)) && name.startsWith(f)),
      );
      assert.ok(family, `sample ${name} has a TYPE line`);
      assert.ok(helped.has(family), `family ${family} has a HELP line`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
      samples.push({ name, labels, value: Number(m[3]) });
    } else assert.fail(`not a line of the Prometheus text format: ${line}`);
  }
  return samples;
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((n, x) => n + x.value, 0);

describe('processes and metrics', () => {
  let logText = '';
  const sink = new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) });
  let env: TestEnv;
  let nfvo: Running;
  let base: string;
  let api: ReturnType<typeof client>;
  let viewer: ReturnType<typeof client>;

  before(async () => {
    env = await makeTestEnv('fleet', { HEARTBEAT_INTERVAL_S: '1', METRICS_REFRESH_S: '1', LEASE_SECONDS: '2' });
    // its warnings are kept: a take-over is logged by whichever controller makes it
    nfvo = await startRoles(env.config, ['api', 'controller', 'worker'], { logger: pino({ level: 'warn' }, sink) });
    base = `http://127.0.0.1:${nfvo.port}`;
    await waitFor('broker', async () => nfvo.broker.connected);
    api = client(base, env.auth('operator'));
    viewer = client(base, env.auth('viewer'));
  });
  after(async () => {
    await nfvo.stop();
    await env.cleanup();
  });

  it('`nfvo all` reports in as one process with every role, and GET /v1/processes lists it online', async () => {
    const r = await viewer.get('/v1/processes');
    assert.equal(r.status, 200);
    const me = r.body.items.find((p: { id: string }) => p.id === nfvo.id);
    assert.ok(me, 'this process is listed');
    assert.deepEqual([...me.roles].sort(), ['api', 'controller', 'worker']);
    assert.equal(me.state, 'online');
    assert.equal(me.pid, process.pid);
    assert.match(me.version, /^\d+\.\d+\.\d+/);
    assert.equal(me.concurrency.worker, env.config.workerConcurrency);
    assert.equal(r.body.heartbeatIntervalS, 1);
  });

  it('a process killed with SIGKILL is shown offline after three intervals, and one that stops says so', async () => {
    const worker = await spawnNfvo('worker', env.vars);
    const pid = worker.child.pid!;
    const find = async () =>
      (await viewer.get('/v1/processes')).body.items.find((p: { pid: number; roles: string[] }) => p.pid === pid);
    const seen = await waitFor(
      'the worker reports in',
      async () => (await find())?.state === 'online' && (await find()),
    );
    assert.deepEqual(seen.roles, ['worker']);
    worker.child.kill('SIGKILL');
    await worker.exited;
    await sleep(1500);
    assert.equal((await find()).state, 'online', 'not offline before three intervals');
    await waitFor('offline', async () => (await find()).state === 'offline', 10_000);

    const other = await spawnNfvo('worker', env.vars);
    const otherPid = other.child.pid!;
    await waitFor('it reports in', async () =>
      (await viewer.get('/v1/processes')).body.items.some((p: { pid: number }) => p.pid === otherPid),
    );
    await other.stop();
    const gone = (await viewer.get('/v1/processes')).body.items.find((p: { pid: number }) => p.pid === otherPid);
    assert.equal(gone.state, 'stopped');
    assert.ok(gone.stoppedAt);
  });

  it('records older than the retention period are dropped', async () => {
    await env.pool.query(
      `INSERT INTO processes (id, roles, host, pid, version, heartbeat_at) VALUES ('long-gone', '{worker}', 'h', 1, '0.0.1', now() - interval '3 days')`,
    );
    const { purgeProcesses } = await import('../../src/db/process-repository.js');
    assert.equal(await purgeProcesses(env.pool, env.config.processRetentionS), 1);
    const items = (await viewer.get('/v1/processes')).body.items;
    assert.ok(!items.some((p: { id: string }) => p.id === 'long-gone'));
  });

  it('/metrics reports tasks, queue waits, transitions, convergence, resources, queues, processes and the build', async () => {
    const before = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    const pkg = await createPackage(api, 'metrics-pkg');
    await api.waitStatus(pkg.id, 'ONBOARDED');
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const s = parseMetrics(await res.text());
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(s, name, labels) - value(before, name, labels);
    for (const action of ['vnfp.upload', 'vnfp.validate', 'vnfp.register']) {
      assert.equal(delta('nfvo_tasks_dispatched_total', { action }), 1, `${action} dispatched once`);
      assert.equal(delta('nfvo_tasks_finished_total', { action, outcome: 'succeeded' }), 1, `${action} succeeded once`);
      assert.equal(delta('nfvo_task_duration_seconds_count', { action }), 1);
      assert.equal(delta('nfvo_task_queue_wait_seconds_count', { action }), 1);
    }
    assert.equal(
      delta('nfvo_resource_transitions_total', { type: 'vnf_package', from: 'VALIDATED', to: 'ONBOARDED' }),
      1,
    );
    assert.equal(delta('nfvo_resource_converge_seconds_count', { type: 'vnf_package' }), 1);
    assert.ok(value(s, 'nfvo_resource_converge_seconds_sum', { type: 'vnf_package' }) > 0);
    assert.equal(value(s, 'nfvo_tasks_in_flight'), 0);
    assert.equal(value(s, 'nfvo_process_up', { role: 'controller' }) >= 1, true);
    assert.equal(value(s, 'nfvo_build_info') >= 1, true);
    assert.ok(s.some((x) => x.name === 'nfvo_queue_messages' && x.labels.queue === 'work_queue'));
    assert.ok(
      s.some((x) => x.name === 'nfvo_process_cpu_seconds_total'),
      'the default process metrics',
    );
    // the resources gauge is a count refreshed in the background (every second here)
    await waitFor('counted', async () => {
      const now = parseMetrics(await (await fetch(`${base}/metrics`)).text());
      return value(now, 'nfvo_resources', { type: 'vnf_package', status: 'ONBOARDED' }) >= 1;
    });
    for (const x of s)
      for (const k of Object.keys(x.labels))
        assert.ok(!/resource_?id|^id$/i.test(k), `no per-resource label (${x.name})`);
  });

  it('with METRICS_TOKEN, /metrics wants it; a controller or worker alone serves its own on METRICS_PORT', async () => {
    const env2 = await makeTestEnv('fleet_token', { METRICS_TOKEN: 'a-metrics-token-1234', METRICS_PORT: '0' });
    const worker = await startRoles(env2.config, ['api', 'worker'], { logger: quiet });
    try {
      const base2 = `http://127.0.0.1:${worker.port}`;
      assert.equal((await fetch(`${base2}/metrics`)).status, 401);
      const ok = await fetch(`${base2}/metrics`, { headers: { authorization: 'Bearer a-metrics-token-1234' } });
      assert.equal(ok.status, 200);
      parseMetrics(await ok.text());
    } finally {
      await worker.stop();
      await env2.cleanup();
    }
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const w = await spawnNfvo('worker', { ...env.vars, METRICS_PORT: String(port) });
    try {
      const s = await waitFor('worker metrics', async () => {
        const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
        return r?.ok ? parseMetrics(await r.text()) : null;
      });
      assert.ok(s.some((x) => x.name === 'nfvo_build_info' && x.labels.roles === 'worker'));
      assert.ok(s.some((x) => x.name === 'nfvo_tasks_in_flight'));
    } finally {
      await w.stop();
    }
  });

  it('a controller that takes over a lease names the process that held it', async () => {
    const dying = await spawnNfvo('controller', env.vars);
    const dyingPid = dying.child.pid!;
    const holder = await waitFor('the controller reports in', async () =>
      (await viewer.get('/v1/processes')).body.items.find((p: { pid: number }) => p.pid === dyingPid),
    );
    // a delete in flight when its controller and its worker died: the task's attempt STARTED and
    // silent, the resource locked by the dying controller, its lease run out
    const { rows } = await env.pool.query(
      `SELECT id FROM resources WHERE type = 'vnf_package' AND status = 'ONBOARDED' LIMIT 1`,
    );
    const taskId = randomUUID();
    await env.pool.query(
      `INSERT INTO tasks (id, name, resource_id, state, attempt, from_status, to_status, step, started_at, updated_at)
       VALUES ($1, 'vnfp.delete', $2, 'STARTED', 1, 'ONBOARDED', 'DELETED', $3, now() - interval '1 hour', now() - interval '1 hour')`,
      [taskId, rows[0].id, JSON.stringify(resourceKinds.vnf_package.fsm.ONBOARDED!.DELETED)],
    );
    await env.pool.query(
      `UPDATE resources SET worker_id = $1, lease_until = now() - interval '1 second', task_id = $3, spec = 'DELETED', spec_at = now()
        WHERE id = $2`,
      [holder.id, rows[0].id, taskId],
    );
    dying.child.kill('SIGKILL');
    await dying.exited;
    const taker = await startRoles(env.config, ['controller'], { logger: pino({ level: 'info' }, sink) });
    try {
      await waitFor('the take-over is logged', async () => logText.includes(`lease(s) held by ${holder.id} (`));
      assert.match(
        logText,
        new RegExp(
          `took over 1 expired lease\\(s\\) held by ${holder.id} \\(pid ${dyingPid} on [^,]+, last heartbeat `,
        ),
      );
      await api.waitStatus(rows[0].id, 'DELETED');
    } finally {
      await taker.stop();
    }
  });

  it('the overview counts resources, transitions per minute, failures and the oldest stuck one', async () => {
    const refused = await api.post('/v1/volumes', {
      name: 'refused',
      sizeGb: 1,
      simulate: { refuse: { create: 'no' } },
    });
    await api.waitStatus(refused.body.id, 'ERROR');
    const o = (await viewer.get('/v1/overview')).body;
    assert.ok(o.resources.some((c: { type: string; status: string }) => c.type === 'volume' && c.status === 'ERROR'));
    assert.ok(o.transitionsPerMinute.reduce((n: number, m: { count: number }) => n + m.count, 0) >= 4);
    assert.ok(o.failedLastHour >= 1);
    assert.equal(o.oldestStuck?.id, refused.body.id);
    // the list filters: stuck, text, order
    await env.pool.query(`UPDATE resources SET updated_at = now() - interval '1 hour' WHERE id = $1`, [
      refused.body.id,
    ]);
    const stuck = (await viewer.get('/v1/resources?stuck=true')).body.items.map((r: { id: string }) => r.id);
    assert.deepEqual(stuck, [refused.body.id]);
    const found = (await viewer.get('/v1/resources?q=REFUS')).body.items.map((r: { id: string }) => r.id);
    assert.deepEqual(found, [refused.body.id]);
    const desc = (await viewer.get('/v1/resources?order=desc&limit=1')).body;
    assert.equal(desc.items[0].id, refused.body.id, 'newest first');
    const page2 = (await viewer.get(`/v1/resources?order=desc&limit=1&cursor=${desc.nextCursor}`)).body;
    assert.notEqual(page2.items[0].id, refused.body.id);
  });

  it('a resource’s attempts: one span per attempt, with its worker, outcome and error', async () => {
    const flaky = await api.post('/v1/volumes', { name: 'flaky', sizeGb: 1, simulate: { fail: { create: 1 } } });
    await api.waitStatus(flaky.body.id, 'AVAILABLE');
    const spans = (await viewer.get(`/v1/resources/${flaky.body.id}/attempts`)).body.items;
    const creates = spans.filter((a: { action: string }) => a.action === 'volume.create');
    assert.deepEqual(
      creates.map((a: { attempt: number; outcome: string }) => [a.attempt, a.outcome]),
      [
        [1, 'failed'],
        [2, 'succeeded'],
      ],
    );
    assert.match(creates[0].error, /simulated create failure/);
    for (const a of creates) {
      assert.equal(a.worker, nfvo.id);
      assert.ok(new Date(a.dispatchedAt) <= new Date(a.startedAt) && new Date(a.startedAt) <= new Date(a.finishedAt));
    }
    assert.equal((await viewer.get('/v1/resources/01a1fc00-0000-7000-8000-00000000beef/attempts')).status, 404);
  });

  it('queues and dead letters: listed, and only an admin may requeue or discard', async () => {
    const q = (await viewer.get('/v1/queues')).body.items;
    const work = q.find((x: { name: string }) => x.name === 'work_queue');
    assert.ok(work && work.consumers >= 1);
    const dl = await viewer.get('/v1/dead-letters');
    assert.equal(dl.status, 200);
    assert.equal(typeof dl.body.total, 'number');
    assert.equal((await api.post('/v1/dead-letters/outbox-1/requeue', {})).status, 403);
    const admin = client(base, env.auth('admin'));
    assert.equal((await admin.post('/v1/dead-letters/outbox-999999/requeue', {})).status, 404);
    assert.equal((await admin.del('/v1/dead-letters/outbox-999999')).status, 404);
    // the role a route needs does not depend on how the URL is spelt (express matches any case)
    const raw = (path: string, body: unknown) =>
      fetch(base + path, {
        method: 'POST',
        headers: { ...env.auth('operator'), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await raw('/v1/Dead-Letters/outbox-1/requeue', {})).status, 403);
    assert.equal((await raw('/v1/TOKENS', { name: 'x', role: 'admin' })).status, 403);
  });

  it('a dead letter from a controller’s own queue goes back to the shared one; one whose queue is gone stays', async () => {
    const admin = client(base, env.auth('admin'));
    const conn = await amqp.connect(env.config.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      const dead = (id: string, queue: string) =>
        ch.publish(env.q('nfvo.dlx'), '', Buffer.from(JSON.stringify({ v: 1, probe: id })), {
          messageId: id,
          persistent: true,
          headers: { 'x-nfvo-reason': 'test', 'x-nfvo-queue': queue },
        });
      dead('from-owner', env.q('callback_queue.owner.all-gone-1234'));
      dead('from-nowhere', env.q('no_such_queue'));
      await ch.waitForConfirms();
      await ch.close();
    } finally {
      await conn.close();
    }
    const r = await admin.post('/v1/dead-letters/from-owner/requeue', {});
    assert.equal(r.status, 200);
    assert.equal(r.body.queue, 'callback_queue.owner.all-gone-1234');
    const nowhere = await admin.post('/v1/dead-letters/from-nowhere/requeue', {});
    assert.equal(nowhere.status, 409);
    assert.match(nowhere.body.detail, /names no queue of this deployment/);
    const items = async () => (await viewer.get('/v1/dead-letters')).body.items as { id: string; queue: string }[];
    assert.ok(
      (await items()).some((d) => d.id === 'from-nowhere'),
      'the one refused stays',
    );
    // the shared callback queue's consumer (a controller) took it, and refused what is not a callback
    await waitFor('it came back from the shared callback queue', async () =>
      (await items()).some((d) => d.id === 'from-owner' && d.queue === 'callback_queue'),
    );
  });

  it('sign-in takes JSON only (a cross-site form cannot sign a browser in), and search takes text literally', async () => {
    const form = await fetch(`${base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(env.tokens.operator)}`,
    });
    assert.notEqual(form.status, 201);
    assert.equal(form.headers.get('set-cookie'), null);
    const all = (await viewer.get('/v1/resources?limit=500')).body.items.length;
    assert.ok(all > 1);
    const underscore = (await viewer.get('/v1/resources?q=_&limit=500')).body.items;
    assert.ok(
      underscore.every((r: { name: string }) => r.name.includes('_')),
      'an underscore is not a wildcard',
    );
  });
});
