// What a worker reports for one attempt: the callback message, from the action's outcome. Pure.
import type { CallbackMessageInput, WorkMessage } from '../broker/messages.js';
import { DriverError, type ActionOutcome } from '../drivers/driver.js';
import { errorMessage } from '../errors.js';
import { isActionName, resultProblem } from '../fsm/index.js';

export type Report = CallbackMessageInput;

const base = (msg: WorkMessage) => ({
  v: 1 as const,
  taskId: msg.taskId,
  resourceId: msg.resourceId,
  attempt: msg.attempt,
  check: msg.check,
});

/** The error callback: the step is retried if `retryable` and retries are left, else it fails. */
export function failed(msg: WorkMessage, error: string, retryable: boolean, expired?: true): Report {
  return {
    ...base(msg),
    kind: 'error',
    error,
    retryable,
    ...(expired ? { expired } : {}),
    nextTask: msg.callbacks.error.nextTask,
  };
}

/** The success callback for a finished action, or the error one when its result breaks its schema. */
export function fromOutcome(msg: WorkMessage, outcome: ActionOutcome): Report {
  if (outcome.status === 'in_progress') {
    return {
      ...base(msg),
      kind: 'pending',
      state: outcome.state,
      ...(outcome.checkAfterS !== undefined ? { checkAfterS: outcome.checkAfterS } : {}),
      ...(outcome.message !== undefined ? { message: outcome.message.slice(0, 1000) } : {}),
      nextTask: msg.callbacks.success.nextTask,
    };
  }
  // a driver that returns a result its action does not declare fails the step, for good
  const problem = isActionName(msg.action) ? resultProblem(msg.action, outcome.result) : null;
  if (problem) return failed(msg, problem, false);
  return { ...base(msg), kind: 'success', result: outcome.result, nextTask: msg.callbacks.success.nextTask };
}

/** The error callback for an action that threw: retryable unless the driver said otherwise. */
export function fromError(msg: WorkMessage, err: unknown): Report {
  const retryable = err instanceof DriverError ? err.retryable : true;
  return failed(msg, errorMessage(err), retryable);
}
