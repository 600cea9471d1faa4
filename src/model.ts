// Domain shapes shared by the roles. Database rows are mapped to these in src/db.
import type { NextTask } from './fsm/types.js';

export type Json = Record<string, unknown>;

export type Simulate = {
  fail?: Record<string, number>;
  latencyMs?: Record<string, number>;
};

export type Resource = {
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
  properties: Json;
  simulate: Simulate | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export const TASK_STATES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** States of a task that has not finished: queued, running, or waiting to be retried. */
export const ACTIVE_TASK_STATES: readonly TaskState[] = ['PENDING', 'STARTED', 'RETRY'];

export type Task = {
  id: string;
  name: string;
  resourceId: string;
  state: TaskState;
  attempt: number;
  fromStatus: string;
  toStatus: string;
  step: NextTask;
  result: Json | null;
  error: string | null;
  progress: Json | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
};

export type Transition = {
  id: number;
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
