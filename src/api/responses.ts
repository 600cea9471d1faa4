// Every response shape, defined once with zod: the routes build their bodies as these types,
// `nfvo watch` reads the event stream with them, and the API's description is made from them.
import { z } from 'zod';
import { RESOURCE_TYPES } from '../fsm/index.js';
import { ROLES, type Resource, type Task, type Transition } from '../model.js';
import type { AttemptSpan, ProcessRow } from '../usecases/fleet.js';

const at = z.string().datetime({ offset: true });

export const ResourceOut = z.object({
  id: z.string().uuid(),
  type: z.string(),
  name: z.string(),
  status: z.string(),
  spec: z.string(),
  /** The controller holding the lock (the design's worker_id), or null. */
  workerId: z.string().nullable(),
  taskId: z.string().uuid().nullable(),
  retryCount: z.number().int(),
  properties: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  /** What it waits for a user to give before it can go on (a package's content), or null. */
  awaiting: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
});
export type ResourceOut = z.infer<typeof ResourceOut>;

export const ResourcePageOut = z.object({ items: z.array(ResourceOut), nextCursor: z.string().nullable() });

export const TransitionOut = z.object({
  id: z.number().int(),
  resourceId: z.string().uuid(),
  type: z.string(),
  from: z.string(),
  to: z.string(),
  action: z.string().nullable(),
  taskId: z.string().uuid().nullable(),
  outcome: z.string(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  at,
});
export type TransitionOut = z.infer<typeof TransitionOut>;

/** Progress a running task reported (an event of the stream, not resumable: only the latest matters). */
export const ProgressOut = z.object({
  taskId: z.string().uuid(),
  resourceId: z.string().uuid(),
  type: z.string(),
  action: z.string(),
  attempt: z.number().int(),
  progress: z.record(z.string(), z.unknown()).nullable(),
  at,
});
export type ProgressOut = z.infer<typeof ProgressOut>;

export const TaskOut = z.object({
  id: z.string().uuid(),
  name: z.string(),
  resourceId: z.string().uuid(),
  state: z.string(),
  attempt: z.number().int(),
  checks: z.number().int(),
  from: z.string(),
  to: z.string(),
  step: z.record(z.string(), z.unknown()),
  progress: z.record(z.string(), z.unknown()).nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  createdAt: at,
  startedAt: at.nullable(),
  waitingSince: at.nullable(),
  finishedAt: at.nullable(),
  updatedAt: at,
});
export type TaskOut = z.infer<typeof TaskOut>;

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function resourceJson(r: Resource): ResourceOut {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    status: r.status,
    spec: r.spec,
    workerId: r.workerId,
    taskId: r.taskId,
    retryCount: r.retryCount,
    properties: r.properties,
    error: r.error,
    awaiting: r.awaiting,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

export function transitionJson(t: Transition): TransitionOut {
  return {
    id: t.id,
    resourceId: t.resourceId,
    type: t.type,
    from: t.fromStatus,
    to: t.toStatus,
    action: t.action,
    taskId: t.taskId,
    outcome: t.outcome,
    error: t.error,
    durationMs: t.durationMs,
    at: iso(t.createdAt),
  };
}

export function taskJson(t: Task): TaskOut {
  return {
    id: t.id,
    name: t.name,
    resourceId: t.resourceId,
    state: t.state,
    attempt: t.attempt,
    checks: t.checks,
    from: t.fromStatus,
    to: t.toStatus,
    step: t.step as unknown as Record<string, unknown>,
    progress: t.progress,
    result: t.result,
    error: t.error,
    createdAt: iso(t.createdAt),
    startedAt: isoOrNull(t.startedAt),
    waitingSince: isoOrNull(t.waitingSince),
    finishedAt: isoOrNull(t.finishedAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** A process that reports in (api, controller, worker, or several roles in one). */
export const ProcessOut = z.object({
  id: z.string(),
  roles: z.array(z.string()),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  startedAt: at,
  heartbeatAt: at,
  stoppedAt: at.nullable(),
  /** Messages (controller) or actions (worker) in flight at its last heartbeat. */
  inFlight: z.number().int(),
  /** Its concurrency settings, by name (e.g. prefetch, driver limit). */
  concurrency: z.record(z.string(), z.number()),
  /** online: heartbeat fresh; offline: older than three intervals; stopped: it said so. */
  state: z.enum(['online', 'offline', 'stopped']),
});
export type ProcessOut = z.infer<typeof ProcessOut>;
export const ProcessListOut = z.object({ items: z.array(ProcessOut), heartbeatIntervalS: z.number() });

export const QueueOut = z.object({ name: z.string(), messages: z.number().int(), consumers: z.number().int() });
export const QueueListOut = z.object({ items: z.array(QueueOut) });

/** A message in the dead-letter queue, with why it is there. */
export const DeadLetterOut = z.object({
  /** Its message id (what requeue and discard name). */
  id: z.string(),
  /** The queue it was taken from (where requeue sends it back). */
  queue: z.string().nullable(),
  reason: z.string().nullable(),
  payload: z.unknown(),
});
export type DeadLetterOut = z.infer<typeof DeadLetterOut>;
export const DeadLetterListOut = z.object({
  items: z.array(DeadLetterOut),
  /** How many the queue holds (items shows the first ones). */
  total: z.number().int(),
});
export const DeadLetterActionOut = z.object({
  id: z.string(),
  action: z.enum(['requeued', 'discarded']),
  queue: z.string().nullable(),
});

/** One attempt (or check) of a task: a span of the resource's timeline. */
export const AttemptOut = z.object({
  taskId: z.string().uuid(),
  action: z.string(),
  attempt: z.number().int(),
  checks: z.number().int(),
  dispatchedAt: at.nullable(),
  startedAt: at.nullable(),
  finishedAt: at.nullable(),
  /** succeeded | failed | waiting | lost | revoked | superseded, or queued | running for the current one. */
  outcome: z.string(),
  error: z.string().nullable(),
  worker: z.string().nullable(),
});
export type AttemptOut = z.infer<typeof AttemptOut>;
export const AttemptListOut = z.object({ items: z.array(AttemptOut) });

export const OverviewOut = z.object({
  resources: z.array(z.object({ type: z.string(), status: z.string(), count: z.number().int() })),
  /** Transitions per minute over the last hour, oldest first. */
  transitionsPerMinute: z.array(z.object({ at, count: z.number().int() })),
  /** Tasks that failed (attempts) in the last hour. */
  failedLastHour: z.number().int(),
  /** The resource away from its spec for the longest, or null. */
  oldestStuck: z
    .object({
      id: z.string().uuid(),
      type: z.string(),
      name: z.string(),
      status: z.string(),
      spec: z.string(),
      since: at,
    })
    .nullable(),
});
export type OverviewOut = z.infer<typeof OverviewOut>;

/** The console's session: who is signed in, and the CSRF token its changes must send. */
export const SessionOut = z.object({ role: z.string(), csrf: z.string() });

// the shapes of the health checks, the FSM tables, the history, revocations and tokens
export const HealthOut = z.object({ status: z.literal('ok') });
export type HealthOut = z.infer<typeof HealthOut>;
export const ReadyOut = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.enum(['up', 'down'])),
});
export type ReadyOut = z.infer<typeof ReadyOut>;
export const FsmStepOut = z.object({
  action: z.string(),
  next: z.string(),
  callback: z.string().nullable(),
  countdown: z.number(),
  max_retry: z.number().int(),
  re_entrant: z.boolean(),
  waiting: z.string().nullable(),
  check: z.object({ every: z.number(), backoff: z.number(), max: z.number(), deadline: z.number() }).nullable(),
  requires: z.string().nullable(),
});
export const FsmOut = z.object({
  type: z.enum(RESOURCE_TYPES),
  initial: z.string(),
  target: z.string(),
  /** table[current status][expected status]: the step that leads there. */
  table: z.record(z.string(), z.record(z.string(), FsmStepOut)),
});
export type FsmOut = z.infer<typeof FsmOut>;
export const TransitionListOut = z.object({ items: z.array(TransitionOut) });
export type TransitionListOut = z.infer<typeof TransitionListOut>;
export const RevokedTaskOut = z.object({
  id: z.string().uuid(),
  resourceId: z.string().uuid(),
  state: z.literal('REVOKED'),
});
export type RevokedTaskOut = z.infer<typeof RevokedTaskOut>;
export const TokenOut = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: at,
  revokedAt: at.nullable(),
});
export type TokenOut = z.infer<typeof TokenOut>;
export const TokenCreatedOut = TokenOut.extend({ token: z.string() });
export type TokenCreatedOut = z.infer<typeof TokenCreatedOut>;
export const TokenListOut = z.object({ items: z.array(TokenOut) });
export type TokenListOut = z.infer<typeof TokenListOut>;

export const processJson = (p: ProcessRow): ProcessOut => ({
  ...p,
  startedAt: iso(p.startedAt),
  heartbeatAt: iso(p.heartbeatAt),
  stoppedAt: isoOrNull(p.stoppedAt),
});

export const attemptJson = (a: AttemptSpan): AttemptOut => ({
  ...a,
  dispatchedAt: isoOrNull(a.dispatchedAt),
  startedAt: isoOrNull(a.startedAt),
  finishedAt: isoOrNull(a.finishedAt),
});
