// The sim driver's ledger of applied effects (a table so tests can count effects),
// and of the failures it injected (so injection counts per resource, across retries).
import { makeBatcher } from '../batch.js';
import type { Sql } from './db.js';

export type Effect = {
  resourceId: string;
  resourceType: string;
  action: string;
  taskId: string;
  effectKey: string | null;
  result: Record<string, unknown>;
};

export type Ledger = {
  /** Record an applied effect; with an effectKey at most once (a repeat returns the first result, applied = false). */
  record(e: Effect): Promise<{ applied: boolean; result: Record<string, unknown> }>;
  /** Record an injected failure; returns how many were recorded for this resource and action before it. */
  recordFailure(e: Omit<Effect, 'effectKey' | 'result'>, upTo: number): Promise<{ failed: boolean; previous: number }>;
};

/** Record effects in one statement; an effect whose key was recorded before is not applied again. */
async function recordEffects(
  c: Sql,
  effects: Effect[],
): Promise<{ applied: boolean; result: Record<string, unknown> }[]> {
  const r = await c.query<{ effect_key: string | null }>({
    name: 'nfvo_ledger_record',
    text: `INSERT INTO sim_ledger (resource_id, resource_type, action, task_id, effect_key, result)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[])
           ON CONFLICT (effect_key) DO NOTHING RETURNING effect_key`,
    values: [
      effects.map((e) => e.resourceId),
      effects.map((e) => e.resourceType),
      effects.map((e) => e.action),
      effects.map((e) => e.taskId),
      effects.map((e) => e.effectKey),
      effects.map((e) => JSON.stringify(e.result)),
    ],
  });
  const inserted = new Set(r.rows.map((x) => x.effect_key));
  // applied: no key, or the first effect of the batch with a key this statement inserted
  const applied = effects.map((e) => e.effectKey === null || inserted.delete(e.effectKey));
  const repeatKeys = effects.filter((_, i) => !applied[i]).map((e) => e.effectKey!);
  const earlier = new Map<string, Record<string, unknown>>();
  if (repeatKeys.length) {
    const prev = await c.query<{ effect_key: string; result: Record<string, unknown> }>(
      'SELECT effect_key, result FROM sim_ledger WHERE effect_key = ANY($1::text[])',
      [repeatKeys],
    );
    for (const p of prev.rows) earlier.set(p.effect_key, p.result);
  }
  return effects.map((e, i) =>
    applied[i]
      ? { applied: true, result: e.result }
      : { applied: false, result: earlier.get(e.effectKey!) ?? e.result },
  );
}

export function makeLedger(c: Sql): Ledger {
  const record = makeBatcher((effects: Effect[]) => recordEffects(c, effects));
  return {
    record,
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
