// The controller's decisions, without I/O: what a resource in a given state leads to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffMs,
  checkDelayMs,
  decideFailure,
  decidePending,
  decideReconcile,
  decideRetry,
  decideSuccess,
  type Env,
} from '../../src/controller/decide.js';
import { vnfPackageFsm } from '../../src/fsm/vnf-package.fsm.js';
import { vnfFsm } from '../../src/fsm/vnf.fsm.js';
import type { Resource, Task } from '../../src/model.js';

const env: Env = { me: 'ctl-a', leaseMs: 30_000, retryBaseMs: 100, retryMaxMs: 1_000, random: () => 0.5 };
const res = (over: Partial<Resource> = {}): Resource => ({
  id: 'r1',
  type: 'vnf_package',
  name: 'p',
  status: 'CREATED',
  spec: 'ONBOARDED',
  workerId: null,
  leaseUntil: null,
  taskId: null,
  retryCount: 0,
  version: 1,
  // its content uploaded: the first step can run
  properties: { content: { uploadId: 'u1' } },
  options: null,
  error: null,
  awaiting: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...over,
});
const task = (over: Partial<Task> = {}): Task => ({
  id: 't1',
  name: 'vnfp.upload',
  resourceId: 'r1',
  state: 'STARTED',
  attempt: 1,
  checks: 0,
  fromStatus: 'CREATED',
  toStatus: 'UPLOADED',
  step: vnfPackageFsm.CREATED.ONBOARDED,
  result: null,
  error: null,
  progress: null,
  createdAt: new Date(0),
  startedAt: null,
  waitingSince: null,
  finishedAt: null,
  updatedAt: new Date(0),
  ...over,
});

describe('decideReconcile', () => {
  it('a package without its content waits for it: unlocked, no task, no error; a second look changes nothing', () => {
    const p = decideReconcile(res({ properties: {} }), null, false, env);
    assert.deepEqual(
      { status: p.write?.status, workerId: p.write?.workerId, awaiting: p.write?.awaiting, error: p.write?.error },
      { status: 'CREATED', workerId: null, awaiting: 'content', error: null },
    );
    assert.equal(p.dispatch, undefined);
    const again = decideReconcile(res({ properties: {}, awaiting: 'content' }), null, false, env);
    assert.equal(again.write, undefined);
    assert.match(again.summary, /waiting for content/);
  });

  it('takes the lock and dispatches the first step of a new resource', () => {
    const p = decideReconcile(res(), null, false, env);
    assert.equal(p.dispatch?.action, 'vnfp.upload');
    assert.equal(p.write?.workerId, 'ctl-a');
    assert.equal(p.write?.taskId, p.newTask?.id);
    assert.equal(p.transitions.length, 0);
  });
  it('does nothing while another controller holds a live lease', () => {
    const p = decideReconcile(res({ workerId: 'ctl-b', taskId: 't1' }), task(), false, env);
    assert.equal(p.write, undefined);
    assert.equal(p.dispatch, undefined);
  });
  it('does nothing while its own step is in flight (never two actions at once)', () => {
    assert.equal(decideReconcile(res({ workerId: 'ctl-a', taskId: 't1' }), task(), false, env).dispatch, undefined);
  });
  it('takes over an expired lease with a new attempt of the same task', () => {
    const p = decideReconcile(res({ workerId: 'ctl-b', taskId: 't1' }), task({ attempt: 1 }), true, env);
    assert.equal(p.dispatch?.taskId, 't1');
    assert.equal(p.dispatch?.attempt, 2);
    assert.equal(p.write?.workerId, 'ctl-a');
  });
  it('releases a lock left on a resource already at its spec', () => {
    const p = decideReconcile(res({ status: 'ONBOARDED', workerId: 'ctl-b' }), null, true, env);
    assert.equal(p.write?.workerId, null);
  });
  it('an ERROR resource without a table entry to its spec records the reason once', () => {
    const first = decideReconcile(
      res({ status: 'ERROR', spec: 'ONBOARDED', error: 'upload failed' }),
      null,
      false,
      env,
    );
    assert.equal(first.write?.error, 'no transition from ERROR to ONBOARDED');
    assert.equal(first.transitions.length, 1);
    const again = decideReconcile(
      res({ status: 'ERROR', spec: 'ONBOARDED', error: 'no transition from ERROR to ONBOARDED' }),
      null,
      false,
      env,
    );
    assert.equal(again.write, undefined);
  });
});

describe('decideSuccess', () => {
  const r = res({ workerId: 'ctl-b', taskId: 't1' });
  it('applies the callback, records the transition and dispatches the next step', () => {
    const checksum = { algorithm: 'SHA-256', hash: 'ab' };
    const p = decideSuccess(r, task(), { taskId: 't1', attempt: 1, result: { checksum, sizeBytes: 7, junk: 1 } }, env);
    assert.deepEqual(
      p.transitions.map((t) => `${t.fromStatus}->${t.toStatus}`),
      ['CREATED->UPLOADED'],
    );
    assert.deepEqual(p.write?.properties, { content: { uploadId: 'u1' }, checksum, sizeBytes: 7 });
    assert.equal(p.dispatch?.action, 'vnfp.validate');
    assert.equal(p.taskWrite?.state, 'SUCCESS');
  });
  it('releases the lock when the spec is reached', () => {
    const last = task({ name: 'vnfp.register', step: vnfPackageFsm.VALIDATED.ONBOARDED });
    const p = decideSuccess(
      res({ status: 'VALIDATED', workerId: 'x', taskId: 't1' }),
      last,
      { taskId: 't1', attempt: 1, result: {} },
      env,
    );
    assert.equal(p.write?.status, 'ONBOARDED');
    assert.equal(p.write?.workerId, null);
    assert.equal(p.dispatch, undefined);
  });
  it('follows a spec changed while the step ran', () => {
    const p = decideSuccess(
      res({ workerId: 'x', taskId: 't1', spec: 'DELETED' }),
      task(),
      { taskId: 't1', attempt: 1, result: {} },
      env,
    );
    assert.equal(p.write?.status, 'UPLOADED');
    assert.equal(p.dispatch?.action, 'vnfp.delete');
  });
  for (const [why, r2, t2, attempt] of [
    ['another task', res({ taskId: 'other' }), task(), 1],
    ['an older attempt', r, task({ attempt: 2 }), 1],
    ['a finished task', r, task({ state: 'SUCCESS' }), 1],
  ] as const) {
    it(`ignores a callback for ${why}`, () => {
      const p = decideSuccess(r2, t2, { taskId: 't1', attempt, result: {} }, env);
      assert.equal(p.write, undefined);
      assert.equal(p.transitions.length, 0);
    });
  }
});

describe('decideFailure', () => {
  const r = res({ workerId: 'x', taskId: 't1' });
  it('retries with backoff while retries are left', () => {
    const p = decideFailure(r, task({ attempt: 2 }), { taskId: 't1', attempt: 2, error: 'boom', retryable: true }, env);
    assert.equal(p.dispatch?.attempt, 3);
    assert.equal(p.dispatch?.delayMs, backoffMs(2, env));
    assert.equal(p.write?.workerId, 'ctl-a');
  });
  it('goes to ERROR with the reason and releases the lock when they are exhausted', () => {
    const p = decideFailure(r, task({ attempt: 4 }), { taskId: 't1', attempt: 4, error: 'boom', retryable: true }, env);
    assert.equal(p.write?.status, 'ERROR');
    assert.equal(p.write?.workerId, null);
    assert.match(p.write?.error ?? '', /vnfp.upload failed: boom \(after 4 attempts\)/);
    assert.deepEqual(
      p.transitions.map((t) => `${t.fromStatus}->${t.toStatus}`),
      ['CREATED->ERROR'],
    );
  });
  it('does not retry a non-retryable failure', () => {
    assert.equal(
      decideFailure(r, task(), { taskId: 't1', attempt: 1, error: 'bad input', retryable: false }, env).write?.status,
      'ERROR',
    );
  });
  it('goes on to delete from ERROR when a delete was asked during the failing step', () => {
    const p = decideFailure(
      res({ workerId: 'x', taskId: 't1', spec: 'DELETED' }),
      task({ attempt: 4 }),
      { taskId: 't1', attempt: 4, error: 'boom', retryable: true },
      env,
    );
    assert.equal(p.dispatch?.action, 'vnfp.delete');
    assert.equal(p.write?.status, 'ERROR');
  });
});

describe('decideRetry and backoff', () => {
  it('moves an ERROR resource back to where it failed and dispatches', () => {
    const p = decideRetry(res({ status: 'ERROR', error: 'x' }), 'UPLOADED', env);
    assert.deepEqual(
      p.transitions.map((t) => `${t.fromStatus}->${t.toStatus}`),
      ['ERROR->UPLOADED'],
    );
    assert.equal(p.dispatch?.action, 'vnfp.validate');
    assert.equal(p.write?.error, null);
  });
  it('ignores a retry of a healthy resource', () => {
    assert.equal(decideRetry(res({ status: 'UPLOADED' }), 'CREATED', env).write, undefined);
  });
  it('backoff grows exponentially, is capped, and is jittered within [cap/2, cap]', () => {
    const at = (n: number, random: number) => backoffMs(n, { ...env, random: () => random });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 10].map((n) => at(n, 1)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(at(3, 0), 200);
  });
});

describe('decidePending: a driver said "started, check again"', () => {
  const boot = vnfFsm.ALLOCATED.INSTANTIATED;
  const vnf = (over: Partial<Resource> = {}) =>
    res({ type: 'vnf', status: 'ALLOCATED', spec: 'INSTANTIATED', workerId: 'ctl-a', taskId: 't1', ...over });
  const booting = (over: Partial<Task> = {}) =>
    task({ name: 'vnf.boot', fromStatus: 'ALLOCATED', toStatus: 'BOOTED', step: boot, ...over });
  const pending = (over: { check?: number; checkAfterS?: number; state?: Record<string, unknown> } = {}) => ({
    taskId: 't1',
    attempt: 1,
    check: 0,
    state: { serverId: 'srv-1' },
    ...over,
  });

  it('shows the waiting status, keeps the lock and dispatches a delayed check of the same attempt', () => {
    const p = decidePending(vnf(), booting(), pending({ checkAfterS: 3 }), env, 1_000_000);
    assert.deepEqual(
      p.transitions.map((t) => `${t.fromStatus}->${t.toStatus} ${t.outcome}`),
      ['ALLOCATED->BOOTING WAITING'],
    );
    assert.equal(p.write?.status, 'BOOTING');
    assert.equal(p.write?.workerId, 'ctl-a');
    assert.equal(p.write?.leaseMs, 3_000 + env.leaseMs, 'the lease outlasts the wait');
    assert.deepEqual(
      {
        action: p.dispatch?.action,
        attempt: p.dispatch?.attempt,
        check: p.dispatch?.check,
        delayMs: p.dispatch?.delayMs,
      },
      { action: 'vnf.boot', attempt: 1, check: 1, delayMs: 3_000 },
    );
    assert.deepEqual(p.dispatch?.previous, { serverId: 'srv-1' }, 'the check gets what the action recorded');
    assert.deepEqual(
      { state: p.taskWrite?.state, checks: p.taskWrite?.checks, waiting: p.taskWrite?.waiting },
      { state: 'PENDING', checks: 1, waiting: true },
    );
  });

  it('checks back on the table schedule when the driver gives no time, never further apart than its max', () => {
    const c = boot.check!;
    assert.deepEqual(
      [0, 1, 2, 3, 10].map((n) => checkDelayMs(boot, n)),
      [0, 1, 2, 3, 10].map((n) => 1000 * Math.min(c.max, c.every * c.backoff ** n)),
    );
    assert.equal(checkDelayMs(boot, 0, 3_600), c.max * 1000, "the driver's hint is capped too");
    const again = decidePending(vnf({ status: 'BOOTING' }), booting({ checks: 2 }), pending({ check: 2 }), env);
    assert.equal(again.transitions.length, 0, 'already BOOTING: no second transition');
    assert.equal(again.dispatch?.check, 3);
    assert.equal(again.dispatch?.delayMs, checkDelayMs(boot, 2));
  });

  it('fails the step once its deadline has passed since the waiting began', () => {
    const since = new Date(0);
    const late = (boot.check!.deadline + 1) * 1000;
    const p = decidePending(vnf({ status: 'BOOTING' }), booting({ waitingSince: since }), pending(), env, late);
    assert.equal(p.write?.status, 'ERROR');
    assert.match(p.write!.error!, /vnf\.boot still in progress after 600 s, its deadline/);
    assert.equal(p.dispatch, undefined);
    assert.equal(p.write?.workerId, null);
  });

  it('a step that cannot wait fails, saying so', () => {
    const p = decidePending(res({ workerId: 'ctl-a', taskId: 't1' }), task(), pending(), env);
    assert.equal(p.write?.status, 'ERROR');
    assert.match(p.write!.error!, /vnfp\.upload: the driver reported it still in progress, but this step cannot wait/);
  });

  it('a delete asked while it waits is followed at once, not after the wait', () => {
    const p = decidePending(vnf({ status: 'BOOTING', spec: 'DELETED' }), booting(), pending(), env);
    assert.equal(p.taskWrite?.state, 'REVOKED');
    assert.match(p.taskWrite!.error!, /superseded: spec changed to DELETED/);
    assert.equal(p.dispatch?.action, 'vnf.delete');
  });

  it('ignores a pending report of an older check', () => {
    const p = decidePending(vnf({ status: 'BOOTING' }), booting({ checks: 3 }), pending({ check: 2 }), env);
    assert.equal(p.write, undefined);
    assert.match(p.summary, /stale callback: check 2, current is 3/);
  });

  it('a retried attempt starts its checks afresh and resumes from what the task recorded', () => {
    const t = booting({ checks: 4, progress: { serverId: 'srv-1' } });
    const p = decideFailure(
      vnf({ status: 'BOOTING' }),
      t,
      { taskId: 't1', attempt: 1, check: 4, error: 'Nova 503', retryable: true },
      env,
    );
    assert.equal(p.dispatch?.attempt, 2);
    assert.equal(p.dispatch?.check, 0);
    assert.deepEqual(p.dispatch?.previous, { serverId: 'srv-1' });
  });
});
