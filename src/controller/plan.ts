// What a decision is (a Plan: what to write, what to dispatch), and the moves every
// decision is made of: advance to the next step, fail, send the task again. Pure.
import { ERROR, getNext, NoTransitionError, resourceKinds, type NextTask, type ResourceType } from '../fsm/index.js';
import { uuidv7 } from '../ids.js';
import { ACTIVE_TASK_STATES, type Json, type Resource, type Task } from '../model.js';

export type Env = { me: string; leaseMs: number; retryBaseMs: number; retryMaxMs: number; random: () => number };

export type ResourceWrite = {
  status: string;
  error: string | null;
  properties: Json;
  /** The controller taking (or keeping) the lock; null releases it. */
  workerId: string | null;
  /** Lease length from now; null when the lock is released. */
  leaseMs: number | null;
  taskId: string | null;
  retryCount: number;
  /** What the resource waits for (unlocked) before its next step can run; null when it waits for nothing. */
  awaiting: string | null;
};
export type NewTransition = {
  fromStatus: string;
  toStatus: string;
  action: string | null;
  taskId: string | null;
  /** WAITING: the action started on the VIM and the resource shows the step's waiting status. */
  outcome: 'SUCCESS' | 'FAILURE' | 'RETRY' | 'WAITING';
  error: string | null;
};
export type NewTask = {
  id: string;
  name: string;
  fromStatus: string;
  toStatus: string;
  step: NextTask;
  attempt: number;
};
/** How an attempt (or check) of a task ended, for its timeline. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'waiting' | 'lost' | 'revoked' | 'superseded';

export type TaskWrite = {
  /** How the attempt this write ends came out (its span on the timeline); none when no attempt ends. */
  outcome?: AttemptOutcome;
  id: string;
  state: Task['state'];
  attempt: number;
  checks: number;
  result?: Json;
  error?: string | null;
  progress?: Json;
  waiting?: boolean;
  finished: boolean;
};
/** One run of a task's action sent to the workers: an attempt, or a check of a waiting one. */
export type Dispatch = {
  taskId: string;
  action: string;
  attempt: number;
  check: number;
  delayMs: number;
  step: NextTask;
  /** What the task recorded so far, for the action to resume from. */
  previous: Json | null;
};

export type Plan = {
  summary: string;
  write?: ResourceWrite;
  transitions: NewTransition[];
  newTask?: NewTask;
  taskWrite?: TaskWrite;
  dispatch?: Dispatch;
};

export const noop = (summary: string): Plan => ({ summary, transitions: [] });

/** The resource at `status` with its lock released. */
export const unlocked = (status: string, error: string | null, properties: Json): ResourceWrite => ({
  status,
  error,
  properties,
  workerId: null,
  leaseMs: null,
  taskId: null,
  retryCount: 0,
  awaiting: null,
});

/** The resource as it is, its lock taken or kept by `me` for `leaseMs` more. */
export const locked = (r: Resource, me: string, leaseMs: number, over: Partial<ResourceWrite> = {}): ResourceWrite => ({
  status: r.status,
  error: r.error,
  properties: r.properties,
  workerId: me,
  leaseMs,
  taskId: r.taskId,
  retryCount: r.retryCount,
  awaiting: null,
  ...over,
});

export const fsmOf = (r: Resource) => resourceKinds[r.type as ResourceType].fsm;

/** Capped exponential backoff with "equal jitter": half fixed, half random. */
export function backoffMs(attempt: number, env: Env): number {
  const cap = Math.min(env.retryMaxMs, env.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (env.random() * cap) / 2);
}

export function failTransition(
  from: string,
  action: string | null,
  taskId: string | null,
  error: string,
): NewTransition {
  return { fromStatus: from, toStatus: ERROR, action, taskId, outcome: 'FAILURE', error };
}

/** The resource went to ERROR for want of a step toward its spec. */
function noStep(r: Resource, status: string, properties: Json, plan: Plan, err: NoTransitionError): Plan {
  const release = unlocked(status, status === ERROR ? r.error : null, properties);
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

/**
 * The resource has just arrived at `status` (or is sitting there): release the lock when
 * it is at its spec, dispatch the next step otherwise, go to ERROR when there is no step.
 */
export function advance(r: Resource, status: string, properties: Json, env: Env, plan: Plan): Plan {
  const keepError = status === ERROR ? r.error : null;
  if (status === r.spec) {
    return { ...plan, summary: `${plan.summary}; at spec ${status}`, write: unlocked(status, keepError, properties) };
  }
  let next: NextTask;
  try {
    next = getNext(fsmOf(r), status, r.spec);
  } catch (err) {
    if (!(err instanceof NoTransitionError)) throw err;
    return noStep(r, status, properties, plan, err);
  }
  if (next.requires && properties[next.requires] === undefined) {
    // nothing is wrong: a user has yet to give what the step needs (e.g. a package's content)
    if (r.awaiting === next.requires && r.workerId === null && !plan.transitions.length && status === r.status) {
      return noop(`waiting for ${next.requires}`);
    }
    const write = { ...unlocked(status, keepError, properties), awaiting: next.requires };
    return { ...plan, summary: `${plan.summary}; waiting for ${next.requires}`, write };
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
      awaiting: null,
    },
    newTask: task,
    dispatch: { taskId: task.id, action: next.action, attempt: 1, check: 0, delayMs, step: next, previous: null },
  };
}

/** A step failed for good: ERROR with the reason, lock released (or on to DELETED if that is the spec). */
export function fail(r: Resource, task: Task, reason: string, env: Env, taskState: Task['state'] = 'FAILURE'): Plan {
  const base: Plan = {
    summary: `${task.name} failed: ${reason}`,
    transitions: [failTransition(r.status, task.name, task.id, reason)],
    taskWrite: {
      outcome: taskState === 'REVOKED' ? 'revoked' : 'failed',
      id: task.id,
      state: taskState,
      attempt: task.attempt,
      checks: task.checks,
      error: reason,
      finished: true,
    },
  };
  const errored = { ...r, error: reason };
  // a delete requested while the step was failing goes on from ERROR (but never loops on a failing delete)
  if (r.status !== ERROR && fsmOf(r)[ERROR]?.[r.spec]) return advance(errored, ERROR, r.properties, env, base);
  return { ...base, write: unlocked(ERROR, reason, r.properties) };
}

/** Re-send the current task as a new attempt after `delayMs`, keeping the lock; it resumes from what it recorded. */
export function redispatch(
  r: Resource,
  task: Task,
  delayMs: number,
  error: string,
  env: Env,
  summary: string,
  outcome: AttemptOutcome = 'failed',
): Plan {
  const attempt = task.attempt + 1;
  return {
    summary,
    transitions: [],
    taskWrite: { outcome, id: task.id, state: 'RETRY', attempt, checks: 0, error, finished: false },
    write: locked(r, env.me, delayMs + env.leaseMs, { taskId: task.id, retryCount: task.attempt }),
    dispatch: {
      taskId: task.id,
      action: task.name,
      attempt,
      check: 0,
      delayMs,
      step: task.step,
      previous: task.progress,
    },
  };
}

/** Why a callback message is not about the current attempt (or check) of the resource's task, or null. */
export function staleness(
  r: Resource,
  task: Task | null,
  msg: { taskId: string; attempt: number; check?: number },
): string | null {
  if (!task) return `stale callback: task ${msg.taskId} unknown`;
  if (r.taskId !== msg.taskId) return `stale callback: resource is not waiting for task ${msg.taskId}`;
  if (task.attempt !== msg.attempt) return `stale callback: attempt ${msg.attempt}, current is ${task.attempt}`;
  if ((msg.check ?? 0) !== task.checks) return `stale callback: check ${msg.check ?? 0}, current is ${task.checks}`;
  if (!ACTIVE_TASK_STATES.includes(task.state)) return `stale callback: task already ${task.state}`;
  return null;
}
