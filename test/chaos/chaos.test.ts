// The chaos suite: api, 2 controllers and 2 workers as separate processes drive 500+ mixed
// resources while controllers and workers are SIGKILLed at random moments, a worker is frozen
// past its lease, RabbitMQ is restarted and PostgreSQL is restarted. Then: every resource at
// its spec (or in ERROR where a failure was injected on purpose), every non-re-entrant effect
// applied exactly once, nothing locked, every transition recorded once and in order, nothing
// left in a queue or dead-lettered. Run alone (it restarts the shared services): npm run test:chaos
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ownerQueue } from '../../src/broker/topology.js';
import { CHAOS_ENV, makeFleet, makeProgress, makeWorkload, queueState, rand, runBeside, sh } from '../helpers/chaos.js';
import { checkInvariants } from '../helpers/chaos-invariants.js';
import { makeTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { smallCsar } from '../helpers/packages.js';

describe('chaos', { timeout: 600_000 }, () => {
  let env: TestEnv;
  const fleet = makeFleet(() => env.vars);
  const { procs, kill } = fleet;
  const counts = {
    freezes: 0,
    rabbitmqRestarts: 0,
    postgresRestarts: 0,
    acceptedWhileBrokerDown: 0,
    answered503WhileDbDown: 0,
  };
  // where the workload and the chaos schedule are, printed with the processes' warnings on failure
  const progress = makeProgress('chaos');
  const { at, enter } = progress;
  const cluster = sh('bash', ['-c', 'ls /etc/postgresql | head -1']).trim();

  before(async () => {
    env = await makeTestEnv('chaos', CHAOS_ENV);
    await fleet.start('api', 'api');
    for (const n of ['controller-a', 'controller-b']) await fleet.start(n, 'controller');
    for (const n of ['worker-a', 'worker-b']) await fleet.start(n, 'worker');
  });

  after(async () => {
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
    const unclean = await fleet.stopAll();
    // the callback queues of the controllers it killed (those that stopped deleted their own)
    await env.cleanup(fleet.controllerIds().map((id) => ownerQueue('callback_queue', id)));
    assert.deepEqual(unclean, [], 'every process stops cleanly (exit 0) on SIGTERM');
  });

  it('survives kills, a frozen worker, a RabbitMQ restart and a PostgreSQL restart; loses and duplicates nothing', async () => {
    try {
      await run();
    } catch (err) {
      console.log(`chaos failed; workload: ${at.workload}; schedule: ${at.schedule}\n${fleet.warnings()}`);
      throw err;
    }
  });

  async function run() {
    enter('workload', 'waiting for the api');
    const api = client(`http://127.0.0.1:${await procs.get('api')!.port}`, env.auth());
    await waitFor('api ready', async () => (await api.get('/readyz')).status === 200, 30_000);
    const workload = makeWorkload(api, env);
    const { ids } = workload;
    const csar = await smallCsar();

    enter('workload', 'wave 1: packages and volumes');
    await workload.wave1(10, 60);

    // the chaos schedule runs beside the workload; it ends at its next pause if the workload fails
    const schedule = async (pause: (ms: number) => Promise<void>) => {
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
    };

    // wave 2: the bulk, paced so that work is in flight through the whole chaos schedule
    enter('workload', 'wave 2: the bulk, beside the chaos schedule');
    await runBeside(schedule, () =>
      workload.wave2({ packages: 200, vnfs: 120, acls: 120, terminated: 20, paceMs: 35 }),
    );
    enter('schedule', 'done');

    // no process ended on its own (the only exits are the schedule's SIGKILLs): a crash is the
    // cause of whatever follows, so it is reported first
    assert.deepEqual(fleet.crashed(), [], 'processes that exited on their own');

    const c = await checkInvariants({
      env,
      ids,
      progress,
      lines: fleet.allLines,
      queues: () =>
        queueState(env, async () =>
          sh('rabbitmqctl', ['list_queues', '-q', 'name', 'messages_unacknowledged'])
            .split('\n')
            .filter((l) => l.startsWith(env.q('')))
            .map((l) => Number(l.split(/\s+/)[1] ?? 0))
            .reduce((a, b) => a + b, 0),
        ),
    });
    console.log(
      `chaos: resources=${c.resources} transitions=${c.transitions} kills=${fleet.counts.kills} restarts=${fleet.counts.restarts} freezes=${counts.freezes} ` +
        `rabbitmq_restarts=${counts.rabbitmqRestarts} postgres_restarts=${counts.postgresRestarts} accepted_while_broker_down=${counts.acceptedWhileBrokerDown} ` +
        `errors_injected=${c.errorsInjected} errors_unexpected=${c.errorsUnexpected} rerun_attempts=${c.rerunAttempts} takeovers=${c.takeovers} effects_deduplicated=${c.effectsDeduplicated} ` +
        `lost=${c.lost} duplicated=${c.duplicated}`,
    );
  }
});
