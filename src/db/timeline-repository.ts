// A resource's timeline: one span per attempt (or check) of its tasks, from dispatch to start
// to end, with the current attempt's span still open.
import type { Sql } from './db.js';

export type AttemptSpan = {
  taskId: string;
  action: string;
  attempt: number;
  checks: number;
  dispatchedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  outcome: string;
  error: string | null;
  worker: string | null;
};

/** The spans of a resource's attempts in the order they ended, the one in flight last (at most `limit`, newest kept). */
export async function attemptSpans(c: Sql, resourceId: string, limit: number): Promise<AttemptSpan[]> {
  const r = await c.query(
    `SELECT * FROM (
       SELECT a.id, a.task_id, a.action, a.attempt, a.checks, a.dispatched_at, a.started_at, a.finished_at,
              a.outcome, a.error, a.worker
         FROM task_attempts a WHERE a.resource_id = $1
       UNION ALL
       SELECT 9223372036854775807, t.id, t.name, t.attempt, t.checks, t.dispatched_at, t.attempt_started_at, NULL,
              CASE WHEN t.state = 'STARTED' AND t.attempt_started_at IS NOT NULL THEN 'running' ELSE 'queued' END,
              NULL, t.ran_by
         FROM tasks t WHERE t.resource_id = $1 AND t.state IN ('PENDING', 'STARTED', 'RETRY')
       ORDER BY 1 DESC LIMIT $2) s
     ORDER BY id`,
    [resourceId, limit],
  );
  return r.rows.map((x) => ({
    taskId: x.task_id,
    action: x.action,
    attempt: x.attempt,
    checks: x.checks,
    dispatchedAt: x.dispatched_at,
    startedAt: x.started_at,
    finishedAt: x.finished_at,
    outcome: x.outcome,
    error: x.error,
    worker: x.worker,
  }));
}
