// What a worker reports for an attempt, from its action's outcome.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkMessageSchema } from '../../src/broker/messages.js';
import { done, inProgress, permanent } from '../../src/drivers/driver.js';
import { vnfFsm } from '../../src/fsm/vnf.fsm.js';
import { fromError, fromOutcome } from '../../src/worker/report.js';

const step = vnfFsm.ALLOCATED.INSTANTIATED;
const msg = WorkMessageSchema.parse({
  v: 1,
  taskId: '01a1fc00-0000-7000-8000-000000000001',
  resourceId: '01a1fc00-0000-7000-8000-000000000002',
  resourceType: 'vnf',
  action: 'vnf.boot',
  attempt: 2,
  check: 3,
  args: { name: 'v', properties: {}, options: null, previous: null },
  callbacks: {
    success: { queue: 'callback_queue', nextTask: step },
    error: { queue: 'callback_queue', nextTask: step },
  },
});

describe('a worker report', () => {
  it('a result as its action declares it is a success callback of that attempt and check', () => {
    const r = fromOutcome(msg, done({ serverId: 'srv-1' }));
    assert.equal(r.kind, 'success');
    assert.deepEqual([r.attempt, r.check], [2, 3]);
  });

  it('a result with a field the step callback does not read fails the step for good, naming both fields', () => {
    const r = fromOutcome(msg, done({ server_id: 'srv-1' }));
    assert.equal(r.kind, 'error');
    assert.equal(r.kind === 'error' && r.retryable, false);
    assert.match(r.kind === 'error' ? r.error : '', /vnf\.boot returned an invalid result: .*serverId.*server_id/);
  });

  it('"started, check again" is a pending callback carrying what the action recorded', () => {
    const r = fromOutcome(msg, inProgress({ serverId: 'srv-1' }, { checkAfterS: 2, message: 'BUILD' }));
    assert.deepEqual(r.kind === 'pending' && [r.state, r.checkAfterS, r.message], [{ serverId: 'srv-1' }, 2, 'BUILD']);
  });

  it('a permanent driver error is not retryable; any other error is', () => {
    const p = fromError(msg, permanent('Nova: Quota exceeded for instances'));
    const t = fromError(msg, new Error('ECONNRESET'));
    assert.deepEqual([p.kind === 'error' && p.retryable, t.kind === 'error' && t.retryable], [false, true]);
  });
});
