// Decide purely, then act: every controller event becomes a Plan (what to write,
// what to dispatch) computed from the resource as it is now. No I/O here.
import {
  applyCallback,
  ERROR,
  getNext,
  NoTransitionError,
  resourceKinds,
  type NextTask,
  type ResourceType,
} from '../fsm/index.js';
import { errorMessage } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { ACTIVE_TASK_STATES, type Json, type Resource, type Task } from '../model.js';

export type Env = { me: string; leaseMs: number; retryBaseMs: number; retryMaxMs: number; random: () => number };

export type ResourceWrite = {
  status: string;
  error: string | null;
  properties: Json;
  workerId: string | null;
  /** Lease length from now; null when the lock is released. */
  leaseMs: number | null;
  taskId: string | null;
  retryCount: number;
};
export type NewTransition = {
  fromStatus: string;
  toStatus: string;
  action: string | null;
  taskId: string | null;
  outcome: 'SUCCESS' | 'FAILURE' | 'RETRY';
  error: string | null;
  durationMs: number | null;
};
export type NewTask = {
  id: string;
  name: string;
  fromStatus: string;
  toStatus: string;
  step: NextTask;
  attempt: number;
};
export type TaskWrite = {
  id: string;
  state: Task['state'];
  attempt: number;
  result?: Json;
  error?: string | null;
  finished: boolean;
};
export type Dispatch = { taskId: string; action: string; attempt: number; delayMs: number; step: NextTask };

export type Plan = {
  summary: string;
  write?: ResourceWrite;
  transitions: NewTransition[];
  newTask?: NewTask;
  taskWrite?: TaskWrite;
  dispatch?: Dispatch;
};

const noop = (summary: string): Plan => ({ summary, transitions: [] });
/** The resource at `status` with its lock released. */
const unlocked = (status: string, error: string | null, properties: Json): ResourceWrite => ({
  status,
  error,
  properties,
  workerId: null,
  leaseMs: null,
  taskId: null,
  retryCount: 0,
});
const fsmOf = (r: Resource) => resourceKinds[r.type as ResourceType].fsm;

/** Capped exponential backoff with "equal jitter": half fixed, half random. */
export function backoffMs(attempt: number, env: Env): number {
  const cap = Math.min(env.retryMaxMs, env.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (env.random() * cap) / 2);
}

/**
 * The resource has just arrived at `status` (or is sitting there): release the lock when
 * it is at its spec, dispatch the next step otherwise, go to ERROR when there is no step.
 */
function advance(r: Resource, status: string, properties: Json, env: Env, plan: Plan): Plan {
  const keepError = status === ERROR ? r.error : null;
  const release = unlocked(status, keepError, properties);
  if (status === r.spec) return { ...plan, summary: `${plan.summary}; at spec ${status}`, write: release };
  let next: NextTask;
  try {
    next = getNext(fsmOf(r), status, r.spec);
  } catch (err) {
    if (!(err instanceof NoTransitionError)) throw err;
    if (status === ERROR) {
      // already in ERROR: record the reason once; a duplicate message changes nothing
      if (r.error === err.message && !plan.transitions.length) return noop(`stays ERROR: ${err.message}`);
      return {
        ...plan,
        summary: `${plan.summary}; ${err.message}`,
        write: { ...release, error: err.message },
        transitions: [...plan.transitions, failTransition(ERROR, null, null, err.message)],
      };
    }
    return {
      ...plan,
      summary: `${plan.summary}; ${err.message}`,
      write: { ...release, status: ERROR, error: err.message },
      transitions: [...plan.transitions, failTransition(status, null, null, err.message)],
    };
  }
  const task: NewTask = {
    id: uuidv7(),
    name: next.action,
    fromStatus: status,
    toStatus: next.next,
    step: next,
    attempt: 1,
  };
  const delayMs = next.countdown * 1000;
  return {
    ...plan,
    summary: `${plan.summary}; dispatch ${next.action} (${status} -> ${next.next})`,
    write: {
      status,
      error: keepError,
      properties,
      workerId: env.me,
      leaseMs: delayMs + env.leaseMs,
      taskId: task.id,
      retryCount: 0,
    },
    newTask: task,
    dispatch: { taskId: task.id, action: next.action, attempt: 1, delayMs, step: next },
  };
}

function failTransition(from: string, action: string | null, taskId: string | null, error: string): NewTransition {
  return { fromStatus: from, toStatus: ERROR, action, taskId, outcome: 'FAILURE', error, durationMs: null };
}

/** A step failed for good: ERROR with the reason, lock released (or on to DELETED if that is the spec). */
function fail(r: Resource, task: Task, reason: string, env: Env, taskState: Task['state'] = 'FAILURE'): Plan {
  const base: Plan = {
    summary: `${task.name} failed: ${reason}`,
    transitions: [failTransition(r.status, task.name, task.id, reason)],
    taskWrite: { id: task.id, state: taskState, attempt: task.attempt, error: reason, finished: true },
  };
  const errored = { ...r, error: reason };
  // a delete requested while the step was failing goes on from ERROR (but never loops on a failing delete)
  if (r.status !== ERROR && fsmOf(r)[ERROR]?.[r.spec]) return advance(errored, ERROR, r.properties, env, base);
  return { ...base, write: unlocked(ERROR, reason, r.properties) };
}

/** Re-send the current task as a new attempt after `delayMs`, keeping the lock. */
function redispatch(r: Resource, task: Task, delayMs: number, error: string, env: Env, summary: string): Plan {
  const attempt = task.attempt + 1;
  return {
    summary,
    transitions: [],
    taskWrite: { id: task.id, state: 'RETRY', attempt, error, finished: false },
    write: {
      status: r.status,
      error: r.error,
      properties: r.properties,
      workerId: env.me,
      leaseMs: delayMs + env.leaseMs,
      taskId: task.id,
      retryCount: task.attempt,
    },
    dispatch: { taskId: task.id, action: task.name, attempt, delayMs, step: task.step },
  };
}

/** A queued attempt is trusted to be delivered for this many leases before it is sent again. */
const QUEUED_LEASES = 10;
/** Take-overs allowed beyond max_retry before the step is given up. */
const MAX_TAKEOVERS = 5;

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
          write: {
            status: r.status,
            error: r.error,
            properties: r.properties,
            workerId: r.workerId,
            leaseMs: env.leaseMs,
            taskId: r.taskId,
            retryCount: r.retryCount,
          },
        };
      }
      const reason = `lease of ${r.workerId} expired during ${task.name}`;
      if (task.attempt > task.step.max_retry + MAX_TAKEOVERS)
        return fail(r, task, `${reason}; given up after ${task.attempt} attempts`, env);
      return redispatch(r, task, 0, reason, env, `${reason}; taken over, attempt ${task.attempt + 1}`);
    }
  }
  if (r.status === r.spec)
    return r.workerId
      ? { summary: 'at spec; lock released', transitions: [], write: unlocked(r.status, r.error, r.properties) }
      : noop('at spec');
  return advance(r, r.status, r.properties, env, noop('reconcile'));
}

/** callback_queue, success: fold the result in, record the transition, go on. */
export function decideSuccess(
  r: Resource,
  task: Task | null,
  msg: { taskId: string; attempt: number; result: Json },
  env: Env,
): Plan {
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
      {
        fromStatus: r.status,
        toStatus: t.step.next,
        action: t.name,
        taskId: t.id,
        outcome: 'SUCCESS',
        error: null,
        durationMs: null,
      },
    ],
    taskWrite: { id: t.id, state: 'SUCCESS', attempt: t.attempt, result: msg.result, error: null, finished: true },
  };
  return advance(r, t.step.next, properties, env, base);
}

/** callback_queue, error: retry with backoff while retries are left, else ERROR. */
export function decideFailure(
  r: Resource,
  task: Task | null,
  msg: { taskId: string; attempt: number; error: string; retryable: boolean; expired?: boolean },
  env: Env,
): Plan {
  const stale = staleness(r, task, msg);
  if (stale) return noop(stale);
  const t = task!;
  if (msg.retryable && t.attempt <= t.step.max_retry) {
    const delay = backoffMs(t.attempt, env);
    return redispatch(
      r,
      t,
      delay,
      msg.error,
      env,
      `${t.name} attempt ${t.attempt} failed (${msg.error}); retry ${t.attempt} of ${t.step.max_retry} in ${delay} ms`,
    );
  }
  const why = msg.retryable ? `${msg.error} (after ${t.attempt} attempts)` : msg.error;
  return fail(r, t, `${t.name} failed: ${why}`, env, msg.expired ? 'REVOKED' : 'FAILURE');
}

/** api_queue, retry: an ERROR resource goes back to where it failed and is driven on. */
export function decideRetry(r: Resource, failedFrom: string, env: Env): Plan {
  if (r.status !== ERROR) return noop(`retry ignored: status is ${r.status}`);
  if (r.workerId !== null) return noop(`retry ignored: locked by ${r.workerId}`);
  const base: Plan = {
    summary: `retry from ERROR to ${failedFrom}`,
    transitions: [
      {
        fromStatus: ERROR,
        toStatus: failedFrom,
        action: 'retry',
        taskId: null,
        outcome: 'RETRY',
        error: null,
        durationMs: null,
      },
    ],
  };
  return advance({ ...r, error: null }, failedFrom, r.properties, env, base);
}

function staleness(r: Resource, task: Task | null, msg: { taskId: string; attempt: number }): string | null {
  if (!task) return `stale callback: task ${msg.taskId} unknown`;
  if (r.taskId !== msg.taskId) return `stale callback: resource is not waiting for task ${msg.taskId}`;
  if (task.attempt !== msg.attempt) return `stale callback: attempt ${msg.attempt}, current is ${task.attempt}`;
  if (!ACTIVE_TASK_STATES.includes(task.state)) return `stale callback: task already ${task.state}`;
  return null;
}
