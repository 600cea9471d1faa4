// The controller's bookkeeping of one step. Read without locking, decide, then write the
// whole decision (resource, task, transitions, outbox message) in ONE statement that only
// takes effect if the resource's version is still the one that was read (optimistic
// fencing): a concurrent change makes the write a no-op and the step is decided again.
import type { NextTask } from '../fsm/types.js';
import type { Json, Resource, Task } from '../model.js';
import type { Sql } from './db.js';
import { OUTBOX_INSERT, type OutboxInsert, type OutboxRow } from './outbox-repository.js';
import { RESOURCE_COLS, TASK_COLS, toResource, toTask, type ResourceRow, type TaskRow } from './rows.js';

/** `taskIdleMs`: how long since the task row last changed (a running attempt's heartbeat). */
export type Loaded = { resource: Resource; task: Task | null; leaseExpired: boolean; taskIdleMs: number };

/** What one step writes, all or nothing, fenced by the resource's version. */
export type StepWrite = {
  resourceId: string;
  /** The version the decision was made on: nothing is written if the row has moved on. */
  version: number;
  resource: {
    status: string;
    error: string | null;
    properties: Json;
    workerId: string | null;
    /** Lease length from now; null when the lock is released. */
    leaseMs: number | null;
    taskId: string | null;
    retryCount: number;
    awaiting: string | null;
  };
  newTask?: { id: string; name: string; fromStatus: string; toStatus: string; step: NextTask; attempt: number };
  taskWrite?: {
    id: string;
    state: Task['state'];
    attempt: number;
    checks: number;
    result?: Json;
    error?: string | null;
    /** Merged into the task's progress. */
    progress?: Json;
    /** The action has started waiting on the VIM (waiting_since is set if it is not yet). */
    waiting?: boolean;
    /** How the attempt this write ends came out (kept in task_attempts); none when no attempt ends. */
    outcome?: string;
    finished: boolean;
  };
  transitions: {
    fromStatus: string;
    toStatus: string;
    action: string | null;
    taskId: string | null;
    outcome: string;
    error: string | null;
  }[];
  outbox: OutboxInsert | null;
};

const LOAD_RESOURCES = `SELECT ${RESOURCE_COLS}, (r.lease_until IS NOT NULL AND r.lease_until < now()) AS lease_expired,
  (extract(epoch FROM now() - t.updated_at) * 1000)::float8 AS task_idle_ms, ${TASK_COLS('t.')}
  , q.n AS q_n
  FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(id, task_id, n)
  JOIN resources r ON r.id = q.id
  LEFT JOIN tasks t ON t.id = COALESCE(q.task_id, r.task_id)`;

function toLoaded(row: Record<string, unknown>): Loaded {
  let task: Task | null = null;
  if (row['t.id']) {
    const t: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (k.startsWith('t.')) t[k.slice(2)] = v;
    task = toTask(t as TaskRow);
  }
  return {
    resource: toResource(row as ResourceRow),
    task,
    leaseExpired: row.lease_expired as boolean,
    taskIdleMs: Number(row.task_idle_ms ?? 0),
  };
}

/** Resources (with the task of interest: the given one, else the current one) in one round trip. */
export async function loadResources(c: Sql, keys: { id: string; taskId?: string }[]): Promise<(Loaded | null)[]> {
  const r = await c.query({
    name: 'nfvo_load_resources',
    text: LOAD_RESOURCES,
    values: [keys.map((k) => k.id), keys.map((k) => k.taskId ?? null)],
  });
  const byKey = new Map(r.rows.map((row) => [Number(row.q_n), toLoaded(row)]));
  return keys.map((_, i) => byKey.get(i + 1) ?? null);
}

// Many steps in one statement: each resource row is written only if its version is still
// the one its step was decided on; the task, transitions and outbox rows of a step are
// written only with its resource row. $2 repeats the ids as an array, so the planner finds
// the rows by primary key (joined to the JSON input alone, it expects 100 rows and scans).
const COMMIT_STEPS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    n int, id uuid, version int, status text, error text, properties jsonb, worker_id text, lease_ms int, task_id uuid, retry_count int, awaiting text,
    nt_id uuid, nt_name text, nt_attempt int, nt_from text, nt_to text, nt_step jsonb,
    tw_id uuid, tw_state text, tw_attempt int, tw_checks int, tw_result jsonb, tw_error text, tw_progress jsonb,
    tw_waiting boolean, tw_finished boolean, tw_outcome text,
    transitions jsonb, ob_queue text, ob_payload jsonb, ob_priority int, ob_delay_ms int)
), upd AS (
  UPDATE resources r SET status = i.status, error = i.error, properties = i.properties, worker_id = i.worker_id,
         lease_until = CASE WHEN i.lease_ms IS NULL THEN NULL ELSE now() + i.lease_ms * interval '1 millisecond' END,
         task_id = i.task_id, retry_count = i.retry_count, awaiting = i.awaiting, version = r.version + 1, updated_at = now()
    FROM input i
   WHERE r.id = ANY($2::uuid[]) AND r.id = i.id AND r.version = i.version
  RETURNING r.id, r.type
), ok AS (
  SELECT i.*, upd.type FROM input i JOIN upd ON upd.id = i.id
), new_task AS (
  INSERT INTO tasks (id, name, resource_id, state, attempt, from_status, to_status, step, dispatched_at)
  SELECT nt_id, nt_name, id, 'PENDING', nt_attempt, nt_from, nt_to, nt_step, now() + ob_delay_ms * interval '1 millisecond'
    FROM ok WHERE nt_id IS NOT NULL
  RETURNING id
), attempts AS (
  -- the attempt (or check) this write ends, as the task row had it before (every CTE reads the same snapshot)
  INSERT INTO task_attempts (task_id, resource_id, action, attempt, checks, dispatched_at, started_at, outcome, error, worker)
  SELECT t.id, t.resource_id, t.name, t.attempt, t.checks, t.dispatched_at, t.attempt_started_at, ok.tw_outcome, ok.tw_error, t.ran_by
    FROM ok JOIN tasks t ON t.id = ok.tw_id WHERE ok.tw_outcome IS NOT NULL
), task_upd AS (
  UPDATE tasks t SET state = ok.tw_state, attempt = ok.tw_attempt, checks = ok.tw_checks,
         result = COALESCE(ok.tw_result, t.result), error = ok.tw_error,
         progress = CASE WHEN ok.tw_progress IS NULL THEN t.progress ELSE COALESCE(t.progress, '{}') || ok.tw_progress END,
         waiting_since = CASE WHEN ok.tw_waiting THEN COALESCE(t.waiting_since, now()) ELSE t.waiting_since END,
         finished_at = CASE WHEN ok.tw_finished THEN now() ELSE NULL END, updated_at = now(),
         -- a next attempt or check is sent with this write
         -- (the message is this task's unless it starts a new one)
         dispatched_at = CASE WHEN ok.ob_queue IS NOT NULL AND ok.nt_id IS NULL
                              THEN now() + ok.ob_delay_ms * interval '1 millisecond' ELSE t.dispatched_at END,
         attempt_started_at = CASE WHEN ok.ob_queue IS NOT NULL AND ok.nt_id IS NULL THEN NULL ELSE t.attempt_started_at END
    FROM ok
   WHERE t.id = ok.tw_id
  RETURNING t.id, t.created_at
), trans AS (
  INSERT INTO transitions (resource_id, type, from_status, to_status, action, task_id, outcome, error, duration_ms)
  SELECT ok.id, ok.type, x.from_status, x.to_status, x.action, x.task_id, x.outcome, x.error,
         (SELECT (extract(epoch FROM now() - tu.created_at) * 1000)::int FROM task_upd tu WHERE tu.id = x.task_id)
    FROM ok, ROWS FROM (jsonb_to_recordset(ok.transitions) AS (from_status text, to_status text, action text, task_id uuid, outcome text, error text))
         WITH ORDINALITY AS x(from_status, to_status, action, task_id, outcome, error, ord)
   ORDER BY ok.n, x.ord
  RETURNING id
), ob AS (${OUTBOX_INSERT('SELECT ob_queue, ob_payload, ob_priority, ob_delay_ms FROM ok WHERE ob_queue IS NOT NULL')})
SELECT (SELECT coalesce(json_agg(id), '[]') FROM upd) AS updated,
       (SELECT coalesce(json_agg(json_build_object('resourceId', payload->>'resourceId', 'id', id)), '[]') FROM ob) AS outbox`;

/**
 * Write steps, each only if its resource is still at the version it was read at. Returns,
 * per step, null when it was not (nothing of it written), else its outbox row to publish.
 * One resource may appear at most once per call.
 */
export async function commitSteps(c: Sql, items: StepWrite[]): Promise<({ outbox: OutboxRow | null } | null)[]> {
  const input = items.map((it, n) => {
    const w = it.resource;
    const nt = it.newTask;
    const tw = it.taskWrite;
    const msg = it.outbox;
    return {
      n,
      id: it.resourceId,
      version: it.version,
      status: w.status,
      error: w.error,
      properties: w.properties,
      worker_id: w.workerId,
      lease_ms: w.leaseMs,
      task_id: w.taskId,
      retry_count: w.retryCount,
      awaiting: w.awaiting,
      nt_id: nt?.id ?? null,
      nt_name: nt?.name ?? null,
      nt_attempt: nt?.attempt ?? null,
      nt_from: nt?.fromStatus ?? null,
      nt_to: nt?.toStatus ?? null,
      nt_step: nt?.step ?? null,
      tw_id: tw?.id ?? null,
      tw_state: tw?.state ?? null,
      tw_attempt: tw?.attempt ?? null,
      tw_checks: tw?.checks ?? 0,
      tw_result: tw?.result ?? null,
      tw_error: tw?.error ?? null,
      tw_progress: tw?.progress ?? null,
      tw_waiting: tw?.waiting ?? false,
      tw_finished: tw?.finished ?? false,
      tw_outcome: tw?.outcome ?? null,
      transitions: it.transitions.map((t) => ({
        from_status: t.fromStatus,
        to_status: t.toStatus,
        action: t.action,
        task_id: t.taskId,
        outcome: t.outcome,
        error: t.error,
      })),
      ob_queue: msg?.queue ?? null,
      ob_payload: msg?.payload ?? null,
      ob_priority: msg?.priority ?? 0,
      ob_delay_ms: Math.max(0, Math.round(msg?.delayMs ?? 0)),
    };
  });
  const res = await c.query<{ updated: string[]; outbox: { resourceId: string; id: number }[] }>({
    name: 'nfvo_commit_steps',
    text: COMMIT_STEPS,
    values: [JSON.stringify(input), input.map((i) => i.id)],
  });
  const updated = new Set(res.rows[0]!.updated);
  const outboxIds = new Map(res.rows[0]!.outbox.map((o) => [o.resourceId, Number(o.id)]));
  return items.map((it, n) => {
    if (!updated.has(it.resourceId)) return null;
    const id = outboxIds.get(it.resourceId);
    const msg = it.outbox;
    const delayMs = input[n]!.ob_delay_ms;
    return {
      outbox:
        msg && id !== undefined
          ? { id, queue: msg.queue, payload: msg.payload, priority: msg.priority ?? 0, delayMs }
          : null,
    };
  });
}

/** The status a resource was in when it last failed into ERROR (where a retry resumes). */
export async function statusBeforeError(c: Sql, id: string): Promise<string | null> {
  const r = await c.query<{ from_status: string }>(
    `SELECT from_status FROM transitions WHERE resource_id = $1 AND to_status = 'ERROR' AND from_status <> 'ERROR' ORDER BY id DESC LIMIT 1`,
    [id],
  );
  return r.rows[0]?.from_status ?? null;
}

/** Locked resources whose lease has run out: their holder is gone or stuck. */
/** A lease's holder, as it last reported in (null fields: it is not, or no longer, recorded). */
export type LeaseHolder = { id: string; host: string | null; pid: number | null; heartbeatAt: Date | null };

/** Resources whose lease expired, each with the process that held it. */
export async function findExpiredLeases(c: Sql, limit: number): Promise<{ id: string; holder: LeaseHolder }[]> {
  const r = await c.query(
    `SELECT r.id, r.worker_id, p.host, p.pid, p.heartbeat_at
       FROM (SELECT id, worker_id FROM resources WHERE worker_id IS NOT NULL AND lease_until < now()
              ORDER BY lease_until LIMIT $1) r
       LEFT JOIN processes p ON p.id = r.worker_id`,
    [limit],
  );
  return r.rows.map((x) => ({
    id: x.id,
    holder: { id: x.worker_id, host: x.host, pid: x.pid, heartbeatAt: x.heartbeat_at },
  }));
}

/** Unlocked resources away from their spec for a while (outside ERROR): nobody is driving them. */
export async function findUnsettled(c: Sql, olderThanMs: number, limit: number): Promise<string[]> {
  const r = await c.query<{ id: string }>(
    `SELECT id FROM resources
      WHERE worker_id IS NULL AND status <> spec AND status <> 'ERROR' AND awaiting IS NULL
        AND updated_at < now() - $1 * interval '1 millisecond'
      ORDER BY updated_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return r.rows.map((x) => x.id);
}
