// The processes that report in: one row per running api, controller or worker process (or
// one of several roles), kept fresh by its heartbeat, dropped after a retention period.
import type { Sql } from './db.js';

export type ProcessRecord = {
  id: string;
  roles: string[];
  host: string;
  pid: number;
  version: string;
  concurrency: Record<string, number>;
};

export type ProcessRow = ProcessRecord & {
  startedAt: Date;
  heartbeatAt: Date;
  stoppedAt: Date | null;
  inFlight: number;
  state: 'online' | 'offline' | 'stopped';
};

/** Record a process as it starts (a restarted process has a new id, so this is an insert). */
export async function registerProcess(c: Sql, p: ProcessRecord): Promise<void> {
  await c.query(
    `INSERT INTO processes (id, roles, host, pid, version, concurrency) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL`,
    [p.id, p.roles, p.host, p.pid, p.version, JSON.stringify(p.concurrency)],
  );
}

/** Keep a process's record fresh; false if it was dropped meanwhile (the caller registers it again). */
export async function heartbeat(c: Sql, id: string, inFlight: number): Promise<boolean> {
  const r = await c.query({
    name: 'nfvo_process_heartbeat',
    text: 'UPDATE processes SET heartbeat_at = now(), in_flight = $2 WHERE id = $1',
    values: [id, inFlight],
  });
  return (r.rowCount ?? 0) > 0;
}

export async function markStopped(c: Sql, id: string): Promise<void> {
  await c.query('UPDATE processes SET stopped_at = now(), in_flight = 0 WHERE id = $1', [id]);
}

/** Drop the records of processes silent (or stopped) for longer than `retentionS`. */
export async function purgeProcesses(c: Sql, retentionS: number): Promise<number> {
  const r = await c.query(
    `DELETE FROM processes WHERE COALESCE(stopped_at, heartbeat_at) < now() - $1 * interval '1 second'`,
    [retentionS],
  );
  return r.rowCount ?? 0;
}

/** Every recorded process, newest first; offline once its heartbeat is older than `offlineAfterS`. */
export async function listProcesses(c: Sql, offlineAfterS: number): Promise<ProcessRow[]> {
  const r = await c.query(
    `SELECT *, CASE WHEN stopped_at IS NOT NULL THEN 'stopped'
                    WHEN heartbeat_at < now() - $1 * interval '1 second' THEN 'offline'
                    ELSE 'online' END AS state
       FROM processes ORDER BY started_at DESC, id LIMIT 1000`,
    [offlineAfterS],
  );
  return r.rows.map((x) => ({
    id: x.id,
    roles: x.roles,
    host: x.host,
    pid: x.pid,
    version: x.version,
    concurrency: x.concurrency,
    startedAt: x.started_at,
    heartbeatAt: x.heartbeat_at,
    stoppedAt: x.stopped_at,
    inFlight: x.in_flight,
    state: x.state,
  }));
}

/** Online processes by role (for the fleet-wide `nfvo_process_up` gauge). */
export async function countOnlineByRole(c: Sql, offlineAfterS: number): Promise<{ role: string; count: number }[]> {
  const r = await c.query(
    `SELECT role, count(*)::int AS count FROM processes, unnest(roles) AS role
      WHERE stopped_at IS NULL AND heartbeat_at >= now() - $1 * interval '1 second' GROUP BY role`,
    [offlineAfterS],
  );
  return r.rows;
}
