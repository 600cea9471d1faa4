// Domain shapes shared by the roles. Database rows are mapped to these in src/db.
//
// Words used throughout (the README's glossary says the same):
// - step: one entry of an FSM table, FSM[status][spec] -> {action, next, ...}: what to do next.
// - task: one run of a step for one resource (a row in `tasks`); its attempts are the times
//   a worker was asked to run its action (retries and take-overs), its checks the times a
//   waiting action was looked at again.
// - action: what a worker runs for a task, through the driver (e.g. "vnf.boot").
// - callback: two things, named apart in the code. The *callback message* a worker sends to
//   callback_queue when an attempt ends (success or error); the *step callback*, a named pure
//   function of the table that folds an action's result into the resource's properties.
import type { NextTask } from './fsm/types.js';

export type Json = Record<string, unknown>;

/** API roles, each allowed what the one before is and more: viewer reads, operator changes, admin manages tokens. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Resource = {
  id: string;
  type: string;
  name: string;
  status: string;
  spec: string;
  /** The design's worker_id: the id of the controller holding the resource's lock (null: unlocked). */
  workerId: string | null;
  leaseUntil: Date | null;
  taskId: string | null;
  retryCount: number;
  version: number;
  properties: Json;
  /** The driver's per-request options given at create (the sim's `simulate`), handed to every action. */
  options: Json | null;
  error: string | null;
  /** What the resource waits for before it can go on (a package's content), or null. */
  awaiting: string | null;
  /** When its current spec was asked for (how long it takes to reach it). */
  specAt?: Date;
  createdAt: Date;
  updatedAt: Date;
};

export const TASK_STATES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** States of a task that has not finished: queued, running, or waiting to be retried or checked. */
export const ACTIVE_TASK_STATES: readonly TaskState[] = ['PENDING', 'STARTED', 'RETRY'];

export type Task = {
  id: string;
  name: string;
  resourceId: string;
  state: TaskState;
  attempt: number;
  /** How many times the current attempt's action was checked again while it waits on the VIM. */
  checks: number;
  fromStatus: string;
  toStatus: string;
  step: NextTask;
  result: Json | null;
  error: string | null;
  /** What the attempts reported: progress, and the state of a waiting action (handed to the next attempt). */
  progress: Json | null;
  createdAt: Date;
  startedAt: Date | null;
  /** When the driver first said "started, check again" (the step's deadline counts from it). */
  waitingSince: Date | null;
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
