// What this controller last committed for each resource it dispatched a step for. When the
// step's callback comes back to the same controller, the plan is decided from it instead of
// reading the resource again; the write is still fenced by the resource's version, so if
// anything changed the row meanwhile the write does nothing and the step is decided again
// from a fresh read. A hint, never the truth: a miss or a stale entry costs one read.
// The same holds for the row a create sends along with its api_queue message.
import type { Created } from '../broker/messages.js';
import type { Loaded } from '../db/step-repository.js';
import type { Resource, Task } from '../model.js';
import type { Plan } from './plan.js';

/** The resource and task as a committed plan left them (the version the write set). */
export function afterCommit(r: Resource, task: Task | null, plan: Plan, now = new Date()): Loaded | null {
  const w = plan.write;
  const d = plan.dispatch;
  // only steps sent now: a delayed one's callback comes much later, not worth holding
  if (!w || !d || d.delayMs > 0) return null;
  const resource: Resource = {
    ...r,
    status: w.status,
    error: w.error,
    properties: w.properties,
    workerId: w.workerId,
    leaseUntil: w.leaseMs === null ? null : new Date(now.getTime() + w.leaseMs),
    taskId: w.taskId,
    retryCount: w.retryCount,
    awaiting: w.awaiting,
    version: r.version + 1,
    updatedAt: now,
  };
  let t: Task;
  if (plan.newTask) {
    const n = plan.newTask;
    t = {
      id: n.id,
      name: n.name,
      resourceId: r.id,
      state: 'PENDING',
      attempt: n.attempt,
      checks: 0,
      fromStatus: n.fromStatus,
      toStatus: n.toStatus,
      step: n.step,
      result: null,
      error: null,
      progress: null,
      createdAt: now,
      startedAt: null,
      waitingSince: null,
      finishedAt: null,
      updatedAt: now,
    };
  } else if (plan.taskWrite && task && task.id === plan.taskWrite.id) {
    const tw = plan.taskWrite;
    t = {
      ...task,
      state: tw.state,
      attempt: tw.attempt,
      checks: tw.checks,
      error: tw.error ?? null,
      progress: tw.progress ? { ...(task.progress ?? {}), ...tw.progress } : task.progress,
      waitingSince: tw.waiting ? (task.waitingSince ?? now) : task.waitingSince,
      updatedAt: now,
    };
  } else {
    return null;
  }
  return { resource, task: t, leaseExpired: false, taskIdleMs: 0 };
}

/** A resource as its create inserted it (sent along with the api_queue message): no task, no lock. */
export function asCreated(id: string, c: Created): Loaded {
  const at = new Date(c.createdAt);
  const resource: Resource = {
    id,
    type: c.type,
    name: c.name,
    status: c.status,
    spec: c.spec,
    workerId: null,
    leaseUntil: null,
    taskId: null,
    retryCount: 0,
    version: c.version,
    properties: c.properties,
    options: c.options,
    error: null,
    awaiting: c.awaiting ?? null,
    createdAt: at,
    updatedAt: at,
  };
  return { resource, task: null, leaseExpired: false, taskIdleMs: 0 };
}

/** Snapshots of resources (with their task) as this controller's commits left them, by resource id. */
export class CommitSnapshots {
  private readonly byResource = new Map<string, Loaded>();
  constructor(private readonly capacity = 10_000) {}

  remember(state: Loaded): void {
    const id = state.resource.id;
    this.byResource.delete(id);
    this.byResource.set(id, state);
    if (this.byResource.size > this.capacity) this.byResource.delete(this.byResource.keys().next().value!);
  }

  forget(resourceId: string): void {
    this.byResource.delete(resourceId);
  }

  /** The state this controller left when it dispatched this attempt, if it did; used once. */
  take(resourceId: string, taskId: string, attempt: number, check = 0): Loaded | null {
    const s = this.byResource.get(resourceId);
    if (!s || s.task?.id !== taskId || s.task.attempt !== attempt || s.task.checks !== check) return null;
    this.byResource.delete(resourceId);
    return s;
  }

  get size(): number {
    return this.byResource.size;
  }
}
