// The event stream's reads: the newest transition, transitions after one, and the progress
// running tasks reported lately. One poller per API process runs these for every watcher.
import type { Transition } from '../model.js';
import type { Sql } from './db.js';
import { toTransition, TRANSITION_COLS, type TransitionRow } from './rows.js';

/** Progress a running task reported. */
export type ProgressEvent = {
  taskId: string;
  resourceId: string;
  type: string;
  action: string;
  attempt: number;
  progress: Record<string, unknown> | null;
  at: Date;
};

export async function lastTransitionId(c: Sql): Promise<number> {
  const r = await c.query<{ max: number | null }>('SELECT max(id)::bigint AS max FROM transitions');
  return r.rows[0]?.max ?? 0;
}

export async function transitionsAfterId(c: Sql, afterId: number, limit: number): Promise<Transition[]> {
  const r = await c.query<TransitionRow>(
    `SELECT ${TRANSITION_COLS} FROM transitions WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return r.rows.map(toTransition);
}

/** Progress of running tasks updated after `since` (or in the last second); at most `limit`, oldest first. */
export async function progressAfter(c: Sql, since: Date | null, limit: number): Promise<ProgressEvent[]> {
  const r = await c.query(
    `SELECT t.id, t.resource_id, r.type, t.name, t.attempt, t.progress, t.updated_at
       FROM tasks t JOIN resources r ON r.id = t.resource_id
      WHERE t.state = 'STARTED' AND t.progress IS NOT NULL AND t.updated_at > COALESCE($1, now() - interval '1 second')
      ORDER BY t.updated_at LIMIT $2`,
    [since, limit],
  );
  return r.rows.map((x) => ({
    taskId: x.id,
    resourceId: x.resource_id,
    type: x.type,
    action: x.name,
    attempt: x.attempt,
    progress: x.progress,
    at: x.updated_at,
  }));
}
