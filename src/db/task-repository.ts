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
export type Beat = {
  taskId: string;
  attempt: number;
  check: number;
  resourceId: string;
  leaseMs: number;
  progress?: Record<string, unknown>;
};

/**
 * A running attempt is alive: renew its task's heartbeat (merging any progress it reported)
 * and its resource's lease. Many attempts in one round trip per table; false for an attempt
 * that is no longer the current one (revoked, superseded, finished). Two statements, each
 * touching one table, so that neither holds the other's rows while it waits.
 */
export async function heartbeats(c: Sql, beats: Beat[]): Promise<boolean[]> {
  // one row per attempt: the progress of several beats of one attempt, merged in order
  const byKey = new Map<string, Beat>();
  const keyOf = (b: Beat) => `${b.taskId}/${b.attempt}/${b.check}`;
  for (const b of beats) {
    const had = byKey.get(keyOf(b));
    byKey.set(
      keyOf(b),
      had ? { ...b, progress: b.progress || had.progress ? { ...had.progress, ...b.progress } : undefined } : b,
    );
  }
  const rows = [...byKey.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
  const t = await c.query<{ id: string; attempt: number; checks: number }>({
    name: 'nfvo_heartbeats',
    text: `UPDATE tasks SET progress = CASE WHEN k.progress IS NULL THEN tasks.progress
                                              ELSE COALESCE(tasks.progress, '{}') || k.progress::jsonb END,
                            updated_at = now()
             FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[]) AS k(id, attempt, checks, progress)
            WHERE tasks.id = k.id AND tasks.attempt = k.attempt AND tasks.checks = k.checks AND tasks.state = 'STARTED'
        RETURNING tasks.id, tasks.attempt, tasks.checks`,
    values: [
      rows.map((b) => b.taskId),
      rows.map((b) => b.attempt),
      rows.map((b) => b.check),
      rows.map((b) => (b.progress ? JSON.stringify(b.progress) : null)),
    ],
  });
  const current = new Set(t.rows.map((x) => `${x.id}/${x.attempt}/${x.checks}`));
  const live = rows.filter((b) => current.has(keyOf(b))).sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1));
  if (live.length)
    await c.query({
      name: 'nfvo_renew_leases',
      text: `UPDATE resources r SET lease_until = GREATEST(r.lease_until, now() + k.lease_ms * interval '1 millisecond')
               FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS k(id, task_id, lease_ms)
              WHERE r.id = k.id AND r.task_id = k.task_id`,
      values: [live.map((b) => b.resourceId), live.map((b) => b.taskId), live.map((b) => b.leaseMs)],
    });
  return beats.map((b) => current.has(keyOf(b)));
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
