// The worker's view of a task: start it (fenced by attempt), renew the lease, report progress.
import type { Task } from '../model.js';
import type { Sql } from './db.js';
import { TASK_COLS, toTask } from './rows.js';

/**
 * Mark an attempt STARTED and renew the resource's lease, only if this attempt is still
 * the current one (a stale or revoked delivery gets false and must not run).
 */
export async function startAttempt(c: Sql, a: { taskId: string; attempt: number; resourceId: string; leaseMs: number }): Promise<boolean> {
  const r = await c.query<{ started: number }>(
    `WITH t AS (
       UPDATE tasks SET state = 'STARTED', started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = $1 AND attempt = $2 AND state IN ('PENDING', 'RETRY', 'STARTED') RETURNING id),
     r AS (
       UPDATE resources SET lease_until = GREATEST(lease_until, now() + $4 * interval '1 millisecond')
        WHERE id = $3 AND task_id = $1 AND EXISTS (SELECT 1 FROM t) RETURNING id)
     SELECT (SELECT count(*) FROM t)::int AS started, (SELECT count(*) FROM r)::int AS renewed`,
    [a.taskId, a.attempt, a.resourceId, a.leaseMs],
  );
  return r.rows[0]!.started === 1;
}

/** Renew the lease while an attempt runs, and store its progress if given. */
export async function heartbeat(c: Sql, a: { taskId: string; attempt: number; resourceId: string; leaseMs: number; progress?: Record<string, unknown> }): Promise<void> {
  await c.query(
    `WITH t AS (
       UPDATE tasks SET progress = COALESCE($5::jsonb, progress), updated_at = now()
        WHERE id = $1 AND attempt = $2 AND state = 'STARTED' RETURNING id)
     UPDATE resources SET lease_until = GREATEST(lease_until, now() + $4 * interval '1 millisecond')
      WHERE id = $3 AND task_id = $1 AND EXISTS (SELECT 1 FROM t)`,
    [a.taskId, a.attempt, a.resourceId, a.leaseMs, a.progress ? JSON.stringify(a.progress) : null],
  );
}

export async function findTask(c: Sql, id: string): Promise<Task | null> {
  const r = await c.query(`SELECT ${TASK_COLS} FROM tasks t WHERE t.id = $1`, [id]);
  return r.rows[0] ? toTask(r.rows[0]) : null;
}
