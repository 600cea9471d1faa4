// Row -> domain mapping for the hand-written SQL paths.
import type { NextTask } from '../fsm/types.js';
import type { Json, Resource, Simulate, Task, Transition } from '../model.js';

export const RESOURCE_COLS = `r.id, r.type, r.name, r.status, r.spec, r.worker_id, r.lease_until, r.task_id, r.retry_count, r.version,
  r.properties, r.simulate, r.error, r.created_at, r.updated_at`;

type Row = Record<string, unknown>;

export function toResource(x: Row): Resource {
  return {
    id: x.id as string,
    type: x.type as string,
    name: x.name as string,
    status: x.status as string,
    spec: x.spec as string,
    workerId: (x.worker_id as string | null) ?? null,
    leaseUntil: (x.lease_until as Date | null) ?? null,
    taskId: (x.task_id as string | null) ?? null,
    retryCount: x.retry_count as number,
    version: x.version as number,
    properties: (x.properties as Json) ?? {},
    simulate: (x.simulate as Simulate | null) ?? null,
    error: (x.error as string | null) ?? null,
    createdAt: x.created_at as Date,
    updatedAt: x.updated_at as Date,
  };
}

export function toTask(x: Row): Task {
  return {
    id: x.id as string,
    name: x.name as string,
    resourceId: x.resource_id as string,
    state: x.state as Task['state'],
    attempt: x.attempt as number,
    fromStatus: x.from_status as string,
    toStatus: x.to_status as string,
    step: x.step as NextTask,
    result: (x.result as Json | null) ?? null,
    error: (x.error as string | null) ?? null,
    progress: (x.progress as Json | null) ?? null,
    createdAt: x.created_at as Date,
    startedAt: (x.started_at as Date | null) ?? null,
    finishedAt: (x.finished_at as Date | null) ?? null,
    updatedAt: x.updated_at as Date,
  };
}

export function toTransition(x: Row): Transition {
  return {
    id: Number(x.id),
    resourceId: x.resource_id as string,
    type: x.type as string,
    fromStatus: x.from_status as string,
    toStatus: x.to_status as string,
    action: (x.action as string | null) ?? null,
    taskId: (x.task_id as string | null) ?? null,
    outcome: x.outcome as string,
    error: (x.error as string | null) ?? null,
    durationMs: (x.duration_ms as number | null) ?? null,
    createdAt: x.created_at as Date,
  };
}
