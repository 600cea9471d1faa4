// The controller's memory of what it committed: deciding a callback from it gives the same
// plan as deciding from a fresh read, and it is only ever used for the attempt it dispatched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterCommit, asCreated, CommitSnapshots } from '../../src/controller/commit-snapshots.js';
import { decideFailure, decideReconcile, decideSuccess, type Env } from '../../src/controller/decide.js';
import type { Resource } from '../../src/model.js';

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
  version: 4,
  properties: { vendor: 'acme', content: { uploadId: 'u1' } },
  options: null,
  error: null,
  awaiting: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...over,
});

describe('afterCommit', () => {
  it('is the locked resource at the next version with its new task pending', () => {
    const plan = decideReconcile(res(), null, false, env);
    const s = afterCommit(res(), null, plan)!;
    assert.equal(s.resource.version, 5);
    assert.equal(s.resource.workerId, 'ctl-a');
    assert.equal(s.resource.taskId, plan.newTask!.id);
    assert.equal(s.task!.state, 'PENDING');
    assert.equal(s.task!.attempt, 1);
    assert.deepEqual(s.task!.step, plan.newTask!.step);
  });

  it('decides the success callback exactly as a fresh read of the same row would', () => {
    const plan = decideReconcile(res(), null, false, env);
    const s = afterCommit(res(), null, plan)!;
    const msg = { taskId: plan.newTask!.id, attempt: 1, result: { artifactUri: 'sim://x' } };
    const fresh = { ...s.task!, state: 'STARTED' as const, startedAt: new Date() }; // what the worker wrote meanwhile
    const fromMemory = decideSuccess(s.resource, s.task, msg, env);
    const fromRead = decideSuccess(s.resource, fresh, msg, env);
    assert.deepEqual(
      {
        ...fromMemory,
        newTask: { ...fromMemory.newTask, id: '' },
        write: { ...fromMemory.write, taskId: '' },
        dispatch: { ...fromMemory.dispatch, taskId: '' },
      },
      {
        ...fromRead,
        newTask: { ...fromRead.newTask, id: '' },
        write: { ...fromRead.write, taskId: '' },
        dispatch: { ...fromRead.dispatch, taskId: '' },
      },
    );
    assert.equal(fromMemory.dispatch?.action, 'vnfp.validate');
  });

  it('follows an immediate re-dispatch (next attempt) but not a delayed one', () => {
    const first = decideReconcile(res(), null, false, env);
    const s = afterCommit(res(), null, first)!;
    const retry = decideFailure(
      s.resource,
      s.task,
      { taskId: s.task!.id, attempt: 1, error: 'boom', retryable: true },
      env,
    );
    assert.ok(retry.dispatch!.delayMs > 0);
    assert.equal(afterCommit(s.resource, s.task, retry), null);
  });

  it('holds nothing for a plan that dispatches nothing', () => {
    const atSpec = decideReconcile(res({ status: 'ONBOARDED' }), null, false, env);
    assert.equal(afterCommit(res({ status: 'ONBOARDED' }), null, atSpec), null);
  });
});

describe('asCreated', () => {
  it('decides the first step exactly as a fresh read of the inserted row would', () => {
    const row = res({
      version: 1,
      createdAt: new Date(1_000),
      updatedAt: new Date(1_000),
      options: { fail: { upload: 1 } },
    });
    const hint = asCreated(row.id, {
      type: row.type,
      name: row.name,
      status: row.status,
      spec: row.spec,
      version: 1,
      properties: row.properties,
      options: row.options,
      createdAt: row.createdAt.toISOString(),
    });
    assert.deepEqual(hint, { resource: row, task: null, leaseExpired: false, taskIdleMs: 0 });
    const fromHint = decideReconcile(hint.resource, null, false, env);
    const fromRead = decideReconcile(row, null, false, env);
    assert.deepEqual(
      {
        ...fromHint,
        newTask: { ...fromHint.newTask, id: '' },
        write: { ...fromHint.write, taskId: '' },
        dispatch: { ...fromHint.dispatch, taskId: '' },
      },
      {
        ...fromRead,
        newTask: { ...fromRead.newTask, id: '' },
        write: { ...fromRead.write, taskId: '' },
        dispatch: { ...fromRead.dispatch, taskId: '' },
      },
    );
    assert.equal(fromHint.dispatch?.action, 'vnfp.upload');
  });
});

describe('CommitSnapshots', () => {
  const stateFor = (id: string) => {
    const r = res({ id });
    return afterCommit(r, null, decideReconcile(r, null, false, env))!;
  };

  it('hands a state back once, and only for the attempt it was committed for', () => {
    const states = new CommitSnapshots();
    const s = stateFor('a');
    states.remember(s);
    assert.equal(states.take('a', s.task!.id, 2), null, 'another attempt');
    assert.equal(states.take('a', 'other-task', 1), null, 'another task');
    assert.equal(states.take('a', s.task!.id, 1), s);
    assert.equal(states.take('a', s.task!.id, 1), null, 'used once');
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const states = new CommitSnapshots(2);
    const [a, b, c] = ['a', 'b', 'c'].map(stateFor);
    for (const s of [a!, b!, c!]) states.remember(s);
    assert.equal(states.size, 2);
    assert.equal(states.take('a', a!.task!.id, 1), null);
    assert.equal(states.take('c', c!.task!.id, 1), c);
  });
});
