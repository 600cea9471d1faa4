// One mapper per entity. Both ways of reading the database hand rows of the same shape to
// it: Prisma's models (the API's reads), and the hot paths' SQL, which names its columns
// as Prisma does (RESOURCE_COLS, TASK_COLS).
import type { NextTask } from '../fsm/types.js';
import type { Json, Resource, Task, Transition } from '../model.js';

export type ResourceRow = {
  id: string;
  type: string;
  name: string;
  status: string;
  spec: string;
  workerId: string | null;
  leaseUntil: Date | null;
  taskId: string | null;
  retryCount: number;
  version: number;
  properties: unknown;
  driverOptions: unknown;
  error: string | null;
  awaiting: string | null;
  specAt?: Date;
  createdAt: Date;
  updatedAt: Date;
};

export type TaskRow = {
  id: string;
  name: string;
  resourceId: string;
  state: string;
  attempt: number;
  checks: number;
  fromStatus: string;
  toStatus: string;
  step: unknown;
  result: unknown;
  error: string | null;
  progress: unknown;
  createdAt: Date;
  startedAt: Date | null;
  waitingSince: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
};

export type TransitionRow = {
  id: number | bigint;
  resourceId: string;
  type: string;
  fromStatus: string;
  toStatus: string;
  action: string | null;
  taskId: string | null;
  outcome: string;
  error: string | null;
  durationMs: number | null;
  createdAt: Date;
};

/** The columns of `resources` (alias r) named as ResourceRow. */
export const RESOURCE_COLS = `r.id, r.type, r.name, r.status, r.spec, r.worker_id AS "workerId", r.lease_until AS "leaseUntil",
  r.task_id AS "taskId", r.retry_count AS "retryCount", r.version, r.properties, r.driver_options AS "driverOptions",
  r.error, r.awaiting, r.spec_at AS "specAt", r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

/** The columns of `tasks` (alias t) named as TaskRow, each prefixed (e.g. "t.id") to sit beside a resource's. */
export const TASK_COLS = (prefix: string) =>
  [
    ['id', 'id'],
    ['name', 'name'],
    ['resource_id', 'resourceId'],
    ['state', 'state'],
    ['attempt', 'attempt'],
    ['checks', 'checks'],
    ['from_status', 'fromStatus'],
    ['to_status', 'toStatus'],
    ['step', 'step'],
    ['result', 'result'],
    ['error', 'error'],
    ['progress', 'progress'],
    ['created_at', 'createdAt'],
    ['started_at', 'startedAt'],
    ['waiting_since', 'waitingSince'],
    ['finished_at', 'finishedAt'],
    ['updated_at', 'updatedAt'],
  ]
    .map(([col, key]) => `t.${col} AS "${prefix}${key}"`)
    .join(', ');

/** The columns of `transitions` named as TransitionRow. */
export const TRANSITION_COLS = `id, resource_id AS "resourceId", type, from_status AS "fromStatus", to_status AS "toStatus",
  action, task_id AS "taskId", outcome, error, duration_ms AS "durationMs", created_at AS "createdAt"`;

export function toResource(x: ResourceRow): Resource {
  return {
    id: x.id,
    type: x.type,
    name: x.name,
    status: x.status,
    spec: x.spec,
    workerId: x.workerId ?? null,
    leaseUntil: x.leaseUntil ?? null,
    taskId: x.taskId ?? null,
    retryCount: x.retryCount,
    version: x.version,
    properties: (x.properties as Json) ?? {},
    options: (x.driverOptions as Json | null) ?? null,
    error: x.error ?? null,
    awaiting: x.awaiting ?? null,
    ...(x.specAt ? { specAt: x.specAt } : {}),
    createdAt: x.createdAt,
    updatedAt: x.updatedAt,
  };
}

export function toTask(x: TaskRow): Task {
  return {
    id: x.id,
    name: x.name,
    resourceId: x.resourceId,
    state: x.state as Task['state'],
    attempt: x.attempt,
    checks: x.checks ?? 0,
    fromStatus: x.fromStatus,
    toStatus: x.toStatus,
    step: x.step as NextTask,
    result: (x.result as Json | null) ?? null,
    error: x.error ?? null,
    progress: (x.progress as Json | null) ?? null,
    createdAt: x.createdAt,
    startedAt: x.startedAt ?? null,
    waitingSince: x.waitingSince ?? null,
    finishedAt: x.finishedAt ?? null,
    updatedAt: x.updatedAt,
  };
}

export function toTransition(x: TransitionRow): Transition {
  return {
    id: Number(x.id),
    resourceId: x.resourceId,
    type: x.type,
    fromStatus: x.fromStatus,
    toStatus: x.toStatus,
    action: x.action ?? null,
    taskId: x.taskId ?? null,
    outcome: x.outcome,
    error: x.error ?? null,
    durationMs: x.durationMs ?? null,
    createdAt: x.createdAt,
  };
}
