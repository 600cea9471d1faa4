// The worker's view of a task: start it (fenced by attempt), renew the lease, report progress.
import { ACTIVE_TASK_STATES } from '../model.js';
import type { Sql } from './db.js';

/** One run of a task's action: its attempt, and which check of it (0: the attempt's first run). */
export type AttemptKey = { taskId: string; attempt: number; check: number; redelivered: boolean };

/**
 * Mark attempts STARTED, each only if it is still the current one (a stale, finished or
 * revoked delivery gets false and must not run). An attempt already STARTED is run again
 * only by a broker redelivery (its consumer died) or once its heartbeat is older than
 * `staleMs`, never by a duplicate copy while another worker is on it. Task rows only.
 */
export async function startAttempts(c: Sql, keys: AttemptKey[], staleMs: number, worker = ''): Promise<boolean[]> {
  const r = await c.query<{ id: string; attempt: number; checks: number }>({
    name: 'nfvo_start_attempts',
    text: `UPDATE tasks t SET state = 'STARTED', started_at = COALESCE(t.started_at, now()), updated_at = now(),
                   attempt_started_at = now(), ran_by = $6
             FROM unnest($1::uuid[], $2::int[], $3::int[], $4::boolean[]) AS k(id, attempt, checks, redelivered)
            WHERE t.id = k.id AND t.attempt = k.attempt AND t.checks = k.checks
              AND (t.state IN ('PENDING', 'RETRY') OR (t.state = 'STARTED' AND (k.redelivered OR t.updated_at < now() - $5 * interval '1 millisecond')))
           RETURNING t.id, t.attempt, t.checks`,
    values: [
      keys.map((k) => k.taskId),
      keys.map((k) => k.attempt),
      keys.map((k) => k.check),
      keys.map((k) => k.redelivered),
      staleMs,
      worker,
    ],
  });
  const started = new Set(r.rows.map((x) => `${x.id}/${x.attempt}/${x.checks}`));
  // the same attempt twice in one batch: only the first copy runs
  const seen = new Set<string>();
  return keys.map((k) => {
    const key = `${k.taskId}/${k.attempt}/${k.check}`;
    if (!started.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Renew the lease while an attempt runs, and merge its progress into the task's if given
 * (what a waiting action recorded stays, beside a percentage). Two statements, each locking
 * one row, so a heartbeat can never deadlock with the controller.
 */
export async function heartbeat(
  c: Sql,
  a: {
    taskId: string;
    attempt: number;
    check: number;
    resourceId: string;
    leaseMs: number;
    progress?: Record<string, unknown>;
  },
): Promise<boolean> {
  const t = await c.query(
    `UPDATE tasks SET progress = CASE WHEN $4::jsonb IS NULL THEN progress ELSE COALESCE(progress, '{}') || $4::jsonb END,
            updated_at = now()
      WHERE id = $1 AND attempt = $2 AND checks = $3 AND state = 'STARTED'`,
    [a.taskId, a.attempt, a.check, a.progress ? JSON.stringify(a.progress) : null],
  );
  if (t.rowCount !== 1) return false;
  await c.query(
    `UPDATE resources SET lease_until = GREATEST(lease_until, now() + $3 * interval '1 millisecond') WHERE id = $1 AND task_id = $2`,
    [a.resourceId, a.taskId, a.leaseMs],
  );
  return true;
}

/**
 * Revoke a task that has not finished: a queued attempt will not start, a running one is
 * aborted at its next heartbeat. Returns the task's state before and whether it was revoked
 * (only an unfinished one is), or null if unknown.
 */
export async function revokeTask(
  c: Sql,
  id: string,
  reason: string,
): Promise<{ before: string; revoked: boolean; resourceId: string } | null> {
  const r = await c.query<{ before: string; revoked: boolean; resource_id: string }>(
    `UPDATE tasks t SET state = CASE WHEN o.active THEN 'REVOKED' ELSE t.state END,
            error = CASE WHEN o.active THEN $2 ELSE t.error END,
            finished_at = CASE WHEN o.active THEN now() ELSE t.finished_at END,
            updated_at = now()
       FROM (SELECT id, state, state = ANY($3::text[]) AS active FROM tasks WHERE id = $1 FOR UPDATE) o
      WHERE t.id = o.id
     RETURNING o.state AS before, o.active AS revoked, t.resource_id`,
    [id, reason, ACTIVE_TASK_STATES],
  );
  const row = r.rows[0];
  return row ? { before: row.before, revoked: row.revoked, resourceId: row.resource_id } : null;
}
