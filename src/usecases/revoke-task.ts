// Revoke a task that has not finished: a queued attempt will not start, a running one is
// aborted at its next heartbeat; the controller then puts its resource in ERROR and releases it.
import { apiMessage } from '../broker/messages.js';
import { PRIORITY } from '../broker/topology.js';
import { conflict, notFound, type UseCaseDeps } from './deps.js';

export async function revokeTask(deps: UseCaseDeps, taskId: string): Promise<{ taskId: string; resourceId: string }> {
  const { resourceId, outbox } = await deps.store.tx(async (t) => {
    const r = await t.revokeTask(taskId, 'revoked by an operator');
    if (!r) throw notFound(`task ${taskId}`);
    if (!r.revoked) throw conflict(`task ${taskId} is ${r.before}; only a queued or running task can be revoked`);
    // a controller plan decided before the revoke (a retry, a take-over) must not overwrite it
    await t.bumpVersion(r.resourceId);
    const row = await t.enqueue({
      queue: 'api_queue',
      payload: apiMessage('reconcile', r.resourceId),
      priority: PRIORITY.operator,
    });
    return { resourceId: r.resourceId, outbox: [row] };
  });
  deps.publish(outbox);
  return { taskId, resourceId };
}
