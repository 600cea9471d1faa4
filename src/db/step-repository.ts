// The controller's bookkeeping of one step, in one transaction: lock the resource,
// write the plan (resource, task, transitions) and its outbox messages together.
import type { Plan } from '../controller/decide.js';
import type { Resource, Task } from '../model.js';
import type { Sql } from './db.js';
import { insertOutbox, type OutboxInsert, type OutboxRow } from './outbox-repository.js';
import { RESOURCE_COLS, TASK_COLS, toResource, toTask } from './rows.js';

export type Locked = { resource: Resource; task: Task | null; leaseExpired: boolean };

/** Lock the resource row (FOR UPDATE) and read the task of interest (the given one, else the current one). */
export async function lockResource(c: Sql, id: string, taskId?: string): Promise<Locked | null> {
  const r = await c.query(
    `SELECT ${RESOURCE_COLS}, (r.lease_until IS NOT NULL AND r.lease_until < now()) AS lease_expired
       FROM resources r WHERE r.id = $1 FOR UPDATE`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return null;
  const resource = toResource(row);
  const tid = taskId ?? resource.taskId;
  let task: Task | null = null;
  if (tid) {
    const t = await c.query(`SELECT ${TASK_COLS} FROM tasks t WHERE t.id = $1`, [tid]);
    task = t.rows[0] ? toTask(t.rows[0]) : null;
  }
  return { resource, task, leaseExpired: row.lease_expired as boolean };
}

/** Persist a plan for a locked resource; returns the outbox rows to publish after commit. */
export async function writePlan(c: Sql, r: Resource, plan: Plan, outbox: OutboxInsert[]): Promise<OutboxRow[]> {
  if (plan.newTask) {
    const t = plan.newTask;
    await c.query(
      `INSERT INTO tasks (id, name, resource_id, state, attempt, from_status, to_status, step) VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7)`,
      [t.id, t.name, r.id, t.attempt, t.fromStatus, t.toStatus, JSON.stringify(t.step)],
    );
  }
  if (plan.taskWrite) {
    const w = plan.taskWrite;
    await c.query(
      `UPDATE tasks SET state = $2, attempt = $3, result = COALESCE($4::jsonb, result), error = $5,
              finished_at = CASE WHEN $6 THEN now() ELSE NULL END, updated_at = now()
        WHERE id = $1`,
      [w.id, w.state, w.attempt, w.result === undefined ? null : JSON.stringify(w.result), w.error ?? null, w.finished],
    );
  }
  for (const t of plan.transitions) {
    await c.query(
      `INSERT INTO transitions (resource_id, type, from_status, to_status, action, task_id, outcome, error, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
               (SELECT (extract(epoch FROM now() - created_at) * 1000)::int FROM tasks WHERE id = $6))`,
      [r.id, r.type, t.fromStatus, t.toStatus, t.action, t.taskId, t.outcome, t.error],
    );
  }
  if (plan.write) {
    const w = plan.write;
    await c.query(
      `UPDATE resources SET status = $2, error = $3, properties = $4, worker_id = $5,
              lease_until = CASE WHEN $6::int IS NULL THEN NULL ELSE now() + $6::int * interval '1 millisecond' END,
              task_id = $7, retry_count = $8, version = version + 1, updated_at = now()
        WHERE id = $1`,
      [r.id, w.status, w.error, JSON.stringify(w.properties), w.workerId, w.leaseMs, w.taskId, w.retryCount],
    );
  }
  return insertOutbox(c, outbox);
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
export async function findExpiredLeases(c: Sql, limit: number): Promise<string[]> {
  const r = await c.query<{ id: string }>(
    `SELECT id FROM resources WHERE worker_id IS NOT NULL AND lease_until < now() ORDER BY lease_until LIMIT $1`,
    [limit],
  );
  return r.rows.map((x) => x.id);
}

/** Unlocked resources away from their spec for a while (outside ERROR): nobody is driving them. */
export async function findUnsettled(c: Sql, olderThanMs: number, limit: number): Promise<string[]> {
  const r = await c.query<{ id: string }>(
    `SELECT id FROM resources
      WHERE worker_id IS NULL AND status <> spec AND status <> 'ERROR'
        AND updated_at < now() - $1 * interval '1 millisecond'
      ORDER BY updated_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return r.rows.map((x) => x.id);
}
