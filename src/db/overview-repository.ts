// What the console's overview and the API's fleet-wide metrics read: resources counted by type
// and status (from an index alone), the last hour's transitions and failed attempts (through
// BRIN indexes), and the resource away from its spec for longest (a partial index).
import type { Sql } from './db.js';

export type StatusCount = { type: string; status: string; count: number };

export async function countByTypeAndStatus(c: Sql): Promise<StatusCount[]> {
  const r = await c.query(
    'SELECT type, status, count(*)::int AS count FROM resources GROUP BY type, status ORDER BY type, status',
  );
  return r.rows;
}

/** Transitions per minute over the last `minutes`, oldest first (minutes without any are absent). */
export async function transitionsPerMinute(c: Sql, minutes: number): Promise<{ at: Date; count: number }[]> {
  const r = await c.query(
    `SELECT date_trunc('minute', created_at) AS at, count(*)::int AS count FROM transitions
      WHERE created_at > now() - $1 * interval '1 minute' GROUP BY 1 ORDER BY 1`,
    [minutes],
  );
  return r.rows;
}

export async function failedAttemptsSince(c: Sql, minutes: number): Promise<number> {
  const r = await c.query(
    `SELECT count(*)::int AS n FROM task_attempts
      WHERE finished_at > now() - $1 * interval '1 minute' AND outcome IN ('failed', 'lost')`,
    [minutes],
  );
  return r.rows[0].n;
}

export type Stuck = { id: string; type: string; name: string; status: string; spec: string; since: Date };

/** The resource away from its spec and unchanged for longest, if any is. */
export async function oldestAway(c: Sql): Promise<Stuck | null> {
  const r = await c.query(
    `SELECT id, type, name, status, spec, updated_at AS since FROM resources WHERE status <> spec
      ORDER BY updated_at LIMIT 1`,
  );
  return r.rows[0] ?? null;
}
