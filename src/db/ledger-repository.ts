// The sim driver's ledger of applied effects (a table so tests can count effects).
import type { Sql } from './db.js';

export type Effect = { resourceId: string; resourceType: string; action: string; taskId: string; effectKey: string | null; result: Record<string, unknown> };

/**
 * Record an effect. With an effectKey the effect is applied at most once: a second
 * call returns the first result and applied = false.
 */
export async function recordEffect(c: Sql, e: Effect): Promise<{ applied: boolean; result: Record<string, unknown> }> {
  const r = await c.query(
    `INSERT INTO sim_ledger (resource_id, resource_type, action, task_id, effect_key, result)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (effect_key) DO NOTHING RETURNING id`,
    [e.resourceId, e.resourceType, e.action, e.taskId, e.effectKey, JSON.stringify(e.result)],
  );
  if (r.rowCount) return { applied: true, result: e.result };
  const prev = await c.query<{ result: Record<string, unknown> }>('SELECT result FROM sim_ledger WHERE effect_key = $1', [e.effectKey]);
  return { applied: false, result: prev.rows[0]?.result ?? e.result };
}

export type Ledger = { record(e: Effect): Promise<{ applied: boolean; result: Record<string, unknown> }> };

export function makeLedger(c: Sql): Ledger {
  return { record: (e) => recordEffect(c, e) };
}
