// The statements of a step look their rows up by key however many rows the tables hold.
// Their plans are made once per connection (generic plans, as the product's pool asks for),
// so a plan that scans a table costs every step a pass over it, growing with the table.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stepWrite, workMessage } from '../../src/controller/work-message.js';
import { decideReconcile, decideSuccess, type Env } from '../../src/controller/decide.js';
import { makeDb, type Db } from '../../src/db/db.js';
import { markOutboxSent } from '../../src/db/outbox-repository.js';
import { commitSteps, loadResources } from '../../src/db/step-repository.js';
import { startAttempts } from '../../src/db/task-repository.js';
import { makeTestEnv, quiet, type TestEnv } from '../helpers/env.js';

const FILLER = 2_000;

describe('query plans of a step', () => {
  let env: TestEnv;
  let db: Db;
  const plans: string[] = [];

  before(async () => {
    env = await makeTestEnv('plans');
    // resources and their tasks, as a small installation has them (at this size a plan that
    // expects 10 or 100 keys found a pass over the table cheaper than as many index lookups)
    await env.pool.query(
      `INSERT INTO resources (id, type, name, status, spec, properties)
       SELECT gen_random_uuid(), 'vnf_package', 'filler-' || g, 'ONBOARDED', 'ONBOARDED', '{}' FROM generate_series(1, $1) g`,
      [FILLER],
    );
    await env.pool.query(
      `INSERT INTO tasks (id, name, resource_id, state, attempt, from_status, to_status, step)
       SELECT gen_random_uuid(), 'upload', id, 'SUCCESS', 1, 'CREATED', 'UPLOADED', '{}' FROM resources, generate_series(1, 3)`,
    );
    await env.pool.query('ANALYZE resources, tasks, outbox');
    db = makeDb({ url: env.config.databaseUrl, poolSize: 1, log: quiet, appName: 'nfvo-test-plans' });
    // every plan the one connection executes comes back to it as a notice
    db.pool.on('connect', (c) => {
      c.on('notice', (n) => {
        if (n.message?.includes('Query Text')) plans.push(n.message);
      });
      void c.query("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = notice");
    });
  });
  after(async () => {
    await db.close();
    await env.cleanup();
  });

  it('reading, committing, starting and marking sent never scan resources or tasks', async () => {
    const e: Env = { me: 'ctl-plans', leaseMs: 30_000, retryBaseMs: 500, retryMaxMs: 30_000, random: () => 0.5 };
    const id = (
      await env.pool.query<{ id: string }>(
        `INSERT INTO resources (id, type, name, status, spec, properties) VALUES (gen_random_uuid(), 'vnf_package', 'p', 'CREATED', 'ONBOARDED', '{"content": {"uploadId": "u"}}') RETURNING id`,
      )
    ).rows[0]!.id;

    // dispatch the first step, start it, commit its success (which dispatches the next one)
    const loaded = (await loadResources(db.pool, [{ id }]))[0]!;
    const first = decideReconcile(loaded.resource, loaded.task, false, e);
    assert.equal(first.dispatch?.action, 'vnfp.upload');
    const [dispatched] = await commitSteps(db.pool, [
      stepWrite(loaded.resource, first, workMessage(loaded.resource, first)),
    ]);
    assert.ok(dispatched?.outbox, 'the first step was committed with its message');
    assert.deepEqual(
      await startAttempts(
        db.pool,
        [{ taskId: first.dispatch!.taskId, attempt: 1, check: 0, redelivered: false }],
        6_000,
      ),
      [true],
    );
    const running = (await loadResources(db.pool, [{ id, taskId: first.dispatch!.taskId }]))[0]!;
    const second = decideSuccess(
      running.resource,
      running.task,
      { taskId: first.dispatch!.taskId, attempt: 1, result: {} },
      e,
    );
    assert.equal(second.dispatch?.action, 'vnfp.validate');
    const [next] = await commitSteps(db.pool, [
      stepWrite(running.resource, second, workMessage(running.resource, second)),
    ]);
    assert.ok(next?.outbox, 'the success was committed with the next message');
    await markOutboxSent(db.pool, [dispatched.outbox!.id, next.outbox!.id]);
    assert.equal((await env.pool.query(`SELECT status FROM resources WHERE id = $1`, [id])).rows[0].status, 'UPLOADED');

    const ours = plans.filter((p) => /nfvo_|FROM unnest|jsonb_to_recordset|UPDATE outbox/.test(p));
    assert.ok(ours.length >= 6, `the plans of the step's statements were reported (${ours.length})`);
    const scans = ours.filter((p) => /Seq Scan on (resources|tasks)\b/.test(p));
    assert.deepEqual(
      scans.map((p) => p.slice(0, 800)),
      [],
      'a statement of the step scans a whole table',
    );
  });
});
