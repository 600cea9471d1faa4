// The sim driver's ledger of applied effects (a table so tests can count effects),
// and of the failures it injected (so injection counts per resource, across retries).
import type { Sql } from './db.js';

export type Effect = { resourceId: string; resourceType: string; action: string; taskId: string; effectKey: string | null; result: Record<string, unknown> };

export type Ledger = {
  /** Record an applied effect; with an effectKey at most once (a repeat returns the first result, applied = false). */
  record(e: Effect): Promise<{ applied: boolean; result: Record<string, unknown> }>;
  /** Record an injected failure; returns how many were recorded for this resource and action before it. */
  recordFailure(e: Omit<Effect, 'effectKey' | 'result'>, upTo: number): Promise<{ failed: boolean; previous: number }>;
};

export function makeLedger(c: Sql): Ledger {
  return {
    async record(e) {
      const r = await c.query(
        `INSERT INTO sim_ledger (resource_id, resource_type, action, task_id, effect_key, result)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (effect_key) DO NOTHING RETURNING id`,
        [e.resourceId, e.resourceType, e.action, e.taskId, e.effectKey, JSON.stringify(e.result)],
      );
      if (r.rowCount) return { applied: true, result: e.result };
      const prev = await c.query<{ result: Record<string, unknown> }>('SELECT result FROM sim_ledger WHERE effect_key = $1', [e.effectKey]);
      return { applied: false, result: prev.rows[0]?.result ?? e.result };
    },
    async recordFailure(e, upTo) {
      // one statement: count earlier injected failures and add one if still under the limit
      const r = await c.query<{ previous: number; failed: boolean }>(
        `WITH prev AS (SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND action = $3 AND outcome = 'failed'),
              ins AS (INSERT INTO sim_ledger (resource_id, resource_type, action, task_id, outcome)
                      SELECT $1, $2, $3, $4, 'failed' FROM prev WHERE prev.n < $5 RETURNING id)
         SELECT (SELECT n FROM prev) AS previous, EXISTS (SELECT 1 FROM ins) AS failed`,
        [e.resourceId, e.resourceType, e.action, e.taskId, upTo],
      );
      return r.rows[0]!;
    },
  };
}
