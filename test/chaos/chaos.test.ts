// The chaos suite: api, 2 controllers and 2 workers as separate processes drive 500+ mixed
// resources while controllers and workers are SIGKILLed at random moments, a worker is frozen
// past its lease, RabbitMQ is restarted and PostgreSQL is restarted. Then: every resource at
// its spec (or in ERROR where a failure was injected on purpose), every non-re-entrant effect
// applied exactly once, nothing locked, every transition recorded once and in order, nothing
// left in a queue or dead-lettered. Run alone (it restarts the shared services): npm run test:chaos
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { ALL_QUEUES, ownerQueue } from '../../src/broker/topology.js';
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { spawnNfvo, type Proc } from '../helpers/procs.js';
import { smallCsar } from '../helpers/packages.js';

const NON_REENTRANT = [
  'vnf_package.upload',
  'vnf_package.register',
  'volume.create',
  'vnf.allocate',
  'vnf.boot',
  'acl.apply',
];
const rand = (n: number) => Math.floor(Math.random() * n);
const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).toString();

describe('chaos', { timeout: 600_000 }, () => {
  let env: TestEnv;
  const procs = new Map<string, Proc>();
  const counts = {
    kills: 0,
    restarts: 0,
    freezes: 0,
    rabbitmqRestarts: 0,
    postgresRestarts: 0,
    acceptedWhileBrokerDown: 0,
    answered503WhileDbDown: 0,
  };
  let stopping = false;
  // where the workload and the chaos schedule are, printed with the processes' warnings on failure
  const started = Date.now();
  const at = { workload: 'starting', schedule: 'not started' };
  const enter = (track: keyof typeof at, p: string) => {
    at[track] = p;
    console.log(`chaos +${((Date.now() - started) / 1000).toFixed(1)}s ${track}: ${p}`);
  };
  const cluster = sh('bash', ['-c', 'ls /etc/postgresql | head -1']).trim();

  const retired: Proc[] = [];
  const allLines = () => [...retired, ...procs.values()].flatMap((p) => p.lines);
  const start = async (name: string, role: string) => {
    const old = procs.get(name);
    if (old) retired.push(old);
    procs.set(name, await spawnNfvo(role, env.vars));
  };
  const killed = new Set<Proc>();
  const kill = async (name: string) => {
    const p = procs.get(name)!;
    killed.add(p);
    p.child.kill('SIGKILL');
    await p.exited;
    counts.kills++;
    await sleep(200 + rand(800));
    if (!stopping) {
      await start(name, p.role);
      counts.restarts++;
    }
  };

  before(async () => {
    env = await makeTestEnv('chaos', {
      LEASE_SECONDS: '4',
      SWEEP_INTERVAL_MS: '500',
      RETRY_BASE_MS: '50',
      RETRY_MAX_MS: '1000',
      OUTBOX_POLL_MS: '200',
      SIM_LATENCY_MS: '100',
      WORKER_CONCURRENCY: '8',
      CONTROLLER_CONCURRENCY: '16',
      LOG_LEVEL: 'info',
      STOP_TIMEOUT_MS: '2000',
      TASK_EXPIRES_SECONDS: '0',
    });
    await start('api', 'api');
    for (const n of ['controller-a', 'controller-b']) await start(n, 'controller');
    for (const n of ['worker-a', 'worker-b']) await start(n, 'worker');
  });

  after(async () => {
    stopping = true;
    // a failure mid-schedule must not leave the shared services down
    const up = (cmd: string, args: string[]) => {
      try {
        sh(cmd, args);
      } catch {
        /* running already */
      }
    };
    up('rabbitmqctl', ['start_app']);
    up('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'start']);
    // every process must stop on SIGTERM within its stop timeout and closing time (2 s + 5 s)
    const stopped = await Promise.allSettled([...procs.values()].map((p) => p.stop('SIGTERM', 15_000)));
    // the callback queues of the controllers it killed (those that stopped deleted their own)
    const controllerIds = allLines().flatMap((l) => /"controllerId":"([^"]+)"/.exec(l)?.[1] ?? []);
    await env.cleanup(controllerIds.map((id) => ownerQueue('callback_queue', id)));
    const unclean = stopped.flatMap((r, i) =>
      r.status === 'rejected' ? [String(r.reason)] : r.value === 0 ? [] : [`${[...procs.keys()][i]} exited ${r.value}`],
    );
    assert.deepEqual(unclean, [], 'every process stops cleanly (exit 0) on SIGTERM');
  });

  it('survives kills, a frozen worker, a RabbitMQ restart and a PostgreSQL restart; loses and duplicates nothing', async () => {
    try {
      await run();
    } catch (err) {
      const warnings = [...procs.entries()].map(
        ([name, p]) =>
          `${name}:\n  ${p.lines
            .filter((l) => !l.includes('"level":30'))
            .slice(-8)
            .join('\n  ')}`,
      );
      console.log(`chaos failed; workload: ${at.workload}; schedule: ${at.schedule}\n${warnings.join('\n')}`);
      throw err;
    }
  });

  async function run() {
    enter('workload', 'waiting for the api');
    const api = client(`http://127.0.0.1:${await procs.get('api')!.port}`, env.auth());
    await waitFor('api ready', async () => (await api.get('/readyz')).status === 200, 30_000);
    const ids = new Map<string, { type: string; injected: boolean; spec: string }>();
    const csar = await smallCsar();
    /** A request, tried again while PostgreSQL restarts (503, or no answer); the reply. */
    const persist = async (what: string, send: () => ReturnType<typeof api.post>) => {
      const end = Date.now() + 60_000;
      for (;;) {
        const r = await send().catch((err: Error) => err);
        if (r instanceof Error || r.status === 503) {
          if (Date.now() > end)
            throw new Error(`${what}: not accepted within 60 s; last: ${r instanceof Error ? r.message : r.status}`);
          await sleep(200);
          continue;
        }
        return r;
      }
    };
    const create = async (path: string, type: string, body: Record<string, unknown>, injected = false) => {
      const id = await createOnly(path, type, body, injected);
      if (type === 'vnf_package') {
        // its content: a 409 means an earlier try got in though its answer was lost
        const r = await persist(`content of ${id}`, () => api.put(`/v1/vnf-packages/${id}/content`, csar));
        if (r.status !== 202 && r.status !== 409)
          throw new Error(`content of ${id}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      return id;
    };
    const createOnly = async (path: string, type: string, body: Record<string, unknown>, injected = false) => {
      const end = Date.now() + 60_000;
      for (;;) {
        const r = await api.post(path, body).catch((err: Error) => err);
        // PostgreSQL restarting: 503 (or no answer), try again
        if (r instanceof Error || r.status === 503) {
          if (Date.now() > end)
            throw new Error(`${path}: not accepted within 60 s; last: ${r instanceof Error ? r.message : r.status}`);
          await sleep(200);
          continue;
        }
        if (r.status !== 202) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
        ids.set(r.body.id, { type, injected, spec: r.body.spec });
        return r.body.id as string;
      }
    };

    enter('workload', 'wave 1: packages and volumes');
    const pkgs: string[] = [];
    for (let i = 0; i < 10; i++) pkgs.push(await create('/v1/vnf-packages', 'vnf_package', { name: `base-${i}` }));
    const vols: string[] = [];
    for (let i = 0; i < 60; i++) vols.push(await create('/v1/volumes', 'volume', { name: `vol-${i}`, sizeGb: 1 + i }));
    await waitFor(
      'wave 1 to reach its spec',
      async () => {
        const r = await env.pool.query(
          `SELECT count(*)::int AS n FROM resources WHERE id = ANY($1) AND status = spec AND worker_id IS NULL`,
          [[...pkgs, ...vols]],
        );
        return r.rows[0].n === pkgs.length + vols.length;
      },
      90_000,
    );

    // the chaos schedule runs beside the workload; it ends at its next pause if the workload fails
    let workloadFailed = false;
    const pause = async (ms: number) => {
      await sleep(ms);
      if (workloadFailed) throw new Error('the workload failed: the chaos schedule stopped');
    };
    const chaos = (async () => {
      await pause(1_500);
      enter('schedule', 'kills and a frozen worker');
      await kill('worker-a');
      await pause(1_000);
      await kill('controller-b');
      // freeze a worker past its lease
      const frozen = procs.get('worker-b')!;
      frozen.child.kill('SIGSTOP');
      counts.freezes++;
      await pause(6_000);
      frozen.child.kill('SIGCONT');
      await kill('worker-a');
      // RabbitMQ restart: the API keeps accepting requests into the outbox
      enter('schedule', 'RabbitMQ stopped');
      counts.rabbitmqRestarts++;
      sh('rabbitmqctl', ['stop_app']);
      try {
        for (let i = 0; i < 5; i++) {
          const r = await api.post(`/v1/vnf-packages?name=offline-${i}`, csar);
          assert.equal(r.status, 202, 'accepted while RabbitMQ is down');
          ids.set(r.body.id, { type: 'vnf_package', injected: false, spec: 'ONBOARDED' });
          counts.acceptedWhileBrokerDown++;
        }
      } finally {
        sh('rabbitmqctl', ['start_app']);
      }
      enter('schedule', 'RabbitMQ started again');
      await pause(2_000);
      await kill('controller-a');
      await kill('worker-b');
      // PostgreSQL restart: the API answers 503 problem+json and does not hang
      enter('schedule', 'PostgreSQL stopped');
      counts.postgresRestarts++;
      sh('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'stop', '-m', 'fast']);
      try {
        // an answer that does not come within 10 s fails here (and PostgreSQL is started again below)
        const down = await fetch(`http://127.0.0.1:${await procs.get('api')!.port}/v1/resources?limit=1`, {
          headers: env.auth(),
          signal: AbortSignal.timeout(10_000),
        }).catch((err) => assert.fail(`no answer while PostgreSQL is down: ${err}`));
        assert.equal(down.status, 503);
        assert.equal(down.headers.get('content-type')?.split(';')[0], 'application/problem+json');
        counts.answered503WhileDbDown++;
      } finally {
        sh('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'start']);
      }
      enter('schedule', 'PostgreSQL started again; more kills');
      await pause(1_000);
      for (let i = 0; i < 4; i++) {
        await pause(500 + rand(1_500));
        await kill(['worker-a', 'worker-b', 'controller-a', 'controller-b'][rand(4)]!);
      }
    })();
    chaos.catch(() => {}); // awaited below, after wave 2

    // wave 2: the bulk, paced so that work is in flight through the whole chaos schedule
    async function wave2() {
      const pace = () => sleep(35);
      for (let i = 0; i < 200; i++) {
        await pace();
        const injected = i % 25 === 0;
        await create(
          '/v1/vnf-packages',
          'vnf_package',
          {
            name: `pkg-${i}`,
            simulate: injected ? { fail: { register: 10 } } : i % 7 === 0 ? { fail: { validate: 2 } } : undefined,
          },
          injected,
        );
      }
      const vnfs: string[] = [];
      for (let i = 0; i < 120; i++)
        vnfs.push(
          await pace().then(() =>
            create('/v1/vnfs', 'vnf', {
              name: `vnf-${i}`,
              vnfPackageId: pkgs[i % pkgs.length],
              volumeIds: i < vols.length / 2 ? [vols[i]] : [],
            }),
          ),
        );
      for (let i = 0; i < 120; i++) {
        await pace();
        await create('/v1/acls', 'acl', {
          name: `acl-${i}`,
          vnfId: i % 2 ? vnfs[i] : undefined,
          rules: [{ direction: 'ingress', action: 'allow', protocol: 'tcp', cidr: `10.${i}.0.0/16`, ports: '22' }],
        });
      }
      // operators change their minds mid-flight
      for (const id of vnfs.slice(0, 20)) {
        const r = await api.post(`/v1/vnfs/${id}/terminate`).catch(() => null);
        if (r?.status === 202) ids.get(id)!.spec = 'TERMINATED';
      }
    }

    enter('workload', 'wave 2: the bulk, beside the chaos schedule');
    try {
      await wave2();
    } catch (err) {
      // let the schedule finish its step (and start a stopped service again) before failing
      workloadFailed = true;
      await chaos.catch(() => {});
      throw err;
    }
    await chaos;
    enter('schedule', 'done');

    // no process ended on its own (the only exits are the schedule's SIGKILLs): a crash is the
    // cause of whatever follows, so it is reported first
    const crashed = [...retired, ...procs.values()].filter(
      (p) => !killed.has(p) && (p.child.exitCode !== null || p.child.signalCode !== null),
    );
    assert.deepEqual(
      crashed.map(
        (p) => `${p.role} exited (${p.child.exitCode ?? p.child.signalCode}): ${p.lines.slice(-5).join(' | ')}`,
      ),
      [],
      'processes that exited on their own',
    );

    // settle: everything at its spec or in ERROR, and unlocked
    enter('workload', 'settling');
    const settled = await waitFor(
      'every resource to settle',
      async () => {
        const r = await env.pool.query(
          `SELECT count(*)::int AS n FROM resources WHERE worker_id IS NOT NULL OR (status <> spec AND status <> 'ERROR')`,
        );
        return r.rows[0].n === 0;
      },
      240_000,
    ).catch((e) => e as Error);
    const stuck = (
      await env.pool.query(
        `SELECT id, type, status, spec, worker_id, error FROM resources WHERE worker_id IS NOT NULL OR (status <> spec AND status <> 'ERROR') LIMIT 5`,
      )
    ).rows;
    assert.equal(settled, true, `stuck: ${JSON.stringify(stuck)}`);
    enter('workload', 'checking');

    const rows = (
      await env.pool.query('SELECT id, type, status, spec, worker_id, error, driver_options AS simulate FROM resources')
    ).rows;
    const unexpectedErrors = rows.filter((r) => r.status === 'ERROR' && !ids.get(r.id)?.injected);
    assert.deepEqual(
      unexpectedErrors.map((r) => `${r.type} ${r.id}: ${r.error}`),
      [],
      'ERROR only where failures were injected on purpose',
    );
    const injectedOk = rows.filter((r) => ids.get(r.id)?.injected).every((r) => r.status === 'ERROR');
    assert.ok(injectedOk, 'resources with a permanent injected failure end in ERROR');
    const lost = [...ids.keys()].filter((id) => !rows.some((r) => r.id === id));
    assert.deepEqual(lost, [], 'every accepted request has its resource');

    // each non-re-entrant effect exactly once
    const dup = (
      await env.pool.query(
        `SELECT resource_id, action, count(*)::int AS n FROM sim_ledger WHERE outcome = 'applied' AND action = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
        [NON_REENTRANT],
      )
    ).rows;
    assert.deepEqual(dup, [], 'non-re-entrant effects applied more than once');
    const missing = (
      await env.pool.query(
        `SELECT t.resource_id, t.action FROM transitions t WHERE t.outcome = 'SUCCESS' AND replace(t.action, 'vnfp.', 'vnf_package.') = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM sim_ledger l WHERE l.resource_id = t.resource_id AND l.outcome = 'applied' AND l.action = replace(t.action, 'vnfp.', 'vnf_package.'))`,
        [NON_REENTRANT],
      )
    ).rows;
    assert.deepEqual(missing, [], 'a recorded step without its effect');

    // transitions: once each, chained in order from CREATED to the current status
    const ts = (
      await env.pool.query('SELECT resource_id, from_status, to_status, task_id, outcome FROM transitions ORDER BY id')
    ).rows;
    const byRes = new Map<string, typeof ts>();
    for (const t of ts) byRes.set(t.resource_id, [...(byRes.get(t.resource_id) ?? []), t]);
    let broken = 0;
    let duplicated = 0;
    for (const r of rows) {
      const chain = byRes.get(r.id) ?? [];
      const seen = new Set<string>();
      for (const [i, t] of chain.entries()) {
        if (t.task_id && t.outcome === 'SUCCESS') {
          if (seen.has(t.task_id)) duplicated++;
          seen.add(t.task_id);
        }
        if (i === 0 ? t.from_status !== 'CREATED' : t.from_status !== chain[i - 1].to_status) broken++;
      }
      if ((chain.at(-1)?.to_status ?? 'CREATED') !== r.status) broken++;
    }
    assert.equal(duplicated, 0, 'a step recorded twice');
    assert.equal(broken, 0, 'a transition chain out of order');

    // the queues are empty and nothing was dead-lettered
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createChannel();
    const depth: Record<string, number> = {};
    for (const q of ALL_QUEUES) depth[q] = (await ch.checkQueue(env.q(q))).messageCount;
    const dead: string[] = [];
    for (let m; (m = await ch.get(env.q('dead_letter'), { noAck: true }));)
      dead.push(String(m.properties.headers?.['x-nfvo-reason']));
    await conn.close();
    const unacked = sh('rabbitmqctl', ['list_queues', '-q', 'name', 'messages_unacknowledged'])
      .split('\n')
      .filter((l) => l.startsWith(env.q('')))
      .map((l) => Number(l.split(/\s+/)[1] ?? 0))
      .reduce((a, b) => a + b, 0);
    assert.deepEqual(
      { ...depth, dead_letter: dead },
      { ...Object.fromEntries(ALL_QUEUES.map((q) => [q, 0])), dead_letter: [] },
    );
    assert.equal(unacked, 0, 'messages left unacknowledged');

    const errors = rows.filter((r) => r.status === 'ERROR').length;
    // evidence that the faults hit work in flight
    const rerun = (await env.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE attempt > 1 AND state = 'SUCCESS'`))
      .rows[0].n;
    const deduped = allLines().filter((l) => l.includes('effect already applied')).length;
    const takeovers = allLines().filter((l) => l.includes('taken over')).length;
    console.log(
      `chaos: resources=${rows.length} transitions=${ts.length} kills=${counts.kills} restarts=${counts.restarts} freezes=${counts.freezes} ` +
        `rabbitmq_restarts=${counts.rabbitmqRestarts} postgres_restarts=${counts.postgresRestarts} accepted_while_broker_down=${counts.acceptedWhileBrokerDown} ` +
        `errors_injected=${errors} errors_unexpected=${unexpectedErrors.length} rerun_attempts=${rerun} takeovers=${takeovers} effects_deduplicated=${deduped} ` +
        `lost=${lost.length} duplicated=${duplicated + dup.length}`,
    );
  }
});
