// Decide purely, then act: every controller event becomes a Plan (what to write,
// what to dispatch) computed from the resource as it is now. No I/O here.
import { applyCallback, ERROR } from '../fsm/index.js';
import { errorMessage } from '../errors.js';
import { ACTIVE_TASK_STATES, type Json, type Resource, type Task } from '../model.js';
import {
  advance,
  backoffMs,
  fail,
  fsmOf,
  locked,
  noop,
  redispatch,
  staleness,
  unlocked,
  type Env,
  type Plan,
} from './plan.js';

export { backoffMs, type Env, type Plan } from './plan.js';

/** A queued attempt is trusted to be delivered for this many leases before it is sent again. */
const QUEUED_LEASES = 10;
/** Take-overs allowed beyond max_retry before the step is given up. */
const MAX_TAKEOVERS = 5;

type AttemptRef = { taskId: string; attempt: number; check?: number };

/**
 * api_queue: look at the resource as it is now and take the next step if nobody else is.
 * An expired lease is taken over (a new attempt of the same task) when its attempt stopped
 * beating (the worker died or froze); an attempt still waiting in a queue keeps its lease.
 */
export function decideReconcile(
  r: Resource,
  task: Task | null,
  leaseExpired: boolean,
  env: Env,
  taskIdleMs = Infinity,
): Plan {
  if (r.workerId !== null && task && task.id === r.taskId && task.state === 'REVOKED') {
    return fail(r, task, `${task.name} revoked: ${task.error ?? 'by an operator'}`, env, 'REVOKED');
  }
  if (r.workerId !== null) {
    if (!leaseExpired) return noop(`step in flight, locked by ${r.workerId}`);
    if (task && ACTIVE_TASK_STATES.includes(task.state)) {
      const queued = task.state !== 'STARTED' && taskIdleMs < QUEUED_LEASES * env.leaseMs;
      const beating = task.state === 'STARTED' && taskIdleMs < env.leaseMs;
      if (queued || beating) {
        return {
          summary: `lease renewed: ${task.name} attempt ${task.attempt} is ${queued ? 'queued' : 'running'}`,
          transitions: [],
          write: locked(r, r.workerId, env.leaseMs),
        };
      }
      const reason = `lease of ${r.workerId} expired during ${task.name}`;
      if (task.attempt > task.step.max_retry + MAX_TAKEOVERS) {
        return fail(r, task, `${reason}; given up after ${task.attempt} attempts`, env);
      }
      return redispatch(r, task, 0, reason, env, `${reason}; taken over, attempt ${task.attempt + 1}`, 'lost');
    }
  }
  if (r.status === r.spec) {
    return r.workerId
      ? { summary: 'at spec; lock released', transitions: [], write: unlocked(r.status, r.error, r.properties) }
      : noop('at spec');
  }
  return advance(r, r.status, r.properties, env, noop('reconcile'));
}

/** callback_queue, success: fold the result in, record the transition, go on. */
export function decideSuccess(r: Resource, task: Task | null, msg: AttemptRef & { result: Json }, env: Env): Plan {
  const stale = staleness(r, task, msg);
  if (stale) return noop(stale);
  const t = task!;
  let properties: Json;
  try {
    properties = applyCallback(t.step.callback, r.properties, msg.result);
  } catch (err) {
    return fail(r, t, `callback ${t.step.callback} failed: ${errorMessage(err)}`, env);
  }
  const base: Plan = {
    summary: `${t.name} succeeded (${r.status} -> ${t.step.next})`,
    transitions: [
      { fromStatus: r.status, toStatus: t.step.next, action: t.name, taskId: t.id, outcome: 'SUCCESS', error: null },
    ],
    taskWrite: {
      outcome: 'succeeded',
      id: t.id,
      state: 'SUCCESS',
      attempt: t.attempt,
      checks: t.checks,
      result: msg.result,
      error: null,
      finished: true,
    },
  };
  return advance(r, t.step.next, properties, env, base);
}

/** callback_queue, error: retry with backoff while retries are left, else ERROR. */
export function decideFailure(
  r: Resource,
  task: Task | null,
  msg: AttemptRef & { error: string; retryable: boolean; expired?: boolean },
  env: Env,
): Plan {
  const stale = staleness(r, task, msg);
  if (stale) return noop(stale);
  const t = task!;
  if (msg.retryable && t.attempt <= t.step.max_retry) {
    const delay = backoffMs(t.attempt, env);
    const summary = `${t.name} attempt ${t.attempt} failed (${msg.error}); retry ${t.attempt} of ${t.step.max_retry} in ${delay} ms`;
    return redispatch(r, t, delay, msg.error, env, summary);
  }
  const why = msg.retryable ? `${msg.error} (after ${t.attempt} attempts)` : msg.error;
  return fail(r, t, `${t.name} failed: ${why}`, env, msg.expired ? 'REVOKED' : 'FAILURE');
}

/** How long until the next check of a waiting action: the driver's word if it gave one, else the step's schedule. */
export function checkDelayMs(step: Task['step'], checks: number, checkAfterS?: number): number {
  const c = step.check!;
  const scheduled = Math.min(c.max, c.every * c.backoff ** checks);
  return Math.round(1000 * (checkAfterS !== undefined ? Math.min(c.max, checkAfterS) : scheduled));
}

/**
 * callback_queue, pending: the action started on the VIM and is not done. The resource shows
 * the step's waiting status and the action is checked again later, as a delayed dispatch that
 * holds no worker slot meanwhile, until it is done, fails, or passes the step's deadline. A
 * spec changed meanwhile (a delete, a terminate) is followed at once instead of waiting on.
 */
export function decidePending(
  r: Resource,
  task: Task | null,
  msg: AttemptRef & { state: Json; checkAfterS?: number; message?: string },
  env: Env,
  now = Date.now(),
): Plan {
  const stale = staleness(r, task, msg);
  if (stale) return noop(stale);
  const t = task!;
  const check = t.step.check;
  if (!check) return fail(r, t, `${t.name}: the driver reported it still in progress, but this step cannot wait`, env);
  const waiting = t.step.waiting ?? r.status;
  const entered =
    r.status !== waiting
      ? [
          {
            fromStatus: r.status,
            toStatus: waiting,
            action: t.name,
            taskId: t.id,
            outcome: 'WAITING' as const,
            error: null,
          },
        ]
      : [];
  const toward = fsmOf(r)[waiting]?.[r.spec] ?? null;
  if (toward?.action !== t.name) {
    const reason = `superseded: spec changed to ${r.spec} while ${t.name} waited`;
    const base: Plan = {
      summary: `${t.name} ${reason}`,
      transitions: entered,
      taskWrite: {
        outcome: 'superseded',
        id: t.id,
        state: 'REVOKED',
        attempt: t.attempt,
        checks: t.checks,
        error: reason,
        progress: msg.state,
        finished: true,
      },
    };
    return advance(r, waiting, r.properties, env, base);
  }
  const since = t.waitingSince?.getTime() ?? now;
  if (now - since > check.deadline * 1000) {
    const why = msg.message ? ` (last: ${msg.message})` : '';
    return fail(r, t, `${t.name} still in progress after ${check.deadline} s, its deadline${why}`, env);
  }
  const delayMs = checkDelayMs(t.step, t.checks, msg.checkAfterS);
  const checks = t.checks + 1;
  return {
    summary: `${t.name} in progress${msg.message ? ` (${msg.message})` : ''}; check ${checks} in ${delayMs} ms`,
    transitions: entered,
    write: locked(r, env.me, delayMs + env.leaseMs, { status: waiting, taskId: t.id }),
    taskWrite: {
      outcome: 'waiting',
      id: t.id,
      state: 'PENDING',
      attempt: t.attempt,
      checks,
      progress: msg.state,
      waiting: true,
      finished: false,
    },
    dispatch: {
      taskId: t.id,
      action: t.name,
      attempt: t.attempt,
      check: checks,
      delayMs,
      step: t.step,
      previous: { ...(t.progress ?? {}), ...msg.state },
    },
  };
}

/** api_queue, retry: an ERROR resource goes back to where it failed and is driven on. */
export function decideRetry(r: Resource, failedFrom: string, env: Env): Plan {
  if (r.status !== ERROR) return noop(`retry ignored: status is ${r.status}`);
  if (r.workerId !== null) return noop(`retry ignored: locked by ${r.workerId}`);
  const base: Plan = {
    summary: `retry from ERROR to ${failedFrom}`,
    transitions: [
      { fromStatus: ERROR, toStatus: failedFrom, action: 'retry', taskId: null, outcome: 'RETRY', error: null },
    ],
  };
  // a drifted resource's resume point is used once
  const { resumeFrom: _used, ...properties } = r.properties;
  return advance({ ...r, error: null }, failedFrom, properties, env, base);
}
