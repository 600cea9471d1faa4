// The sim driver's own storage: a ledger of every effect it applied on the simulated NFVI
// (a table, so tests can count effects), and of the failures it injected (so injection
// counts per resource, across retries).
import { makeBatcher } from '../../batch.js';
import type { SqlPool } from '../registry.js';

export type Effect = {
  resourceId: string;
  resourceType: string;
  action: string;
  taskId: string;
  /** At most one effect is applied per key. */
  effectKey: string;
  result: Record<string, unknown>;
};

export type Ledger = {
  /** Record an applied effect, at most once per key (a repeat returns the first result, applied = false). */
  record(e: Effect): Promise<{ applied: boolean; result: Record<string, unknown> }>;
  /** Record an injected failure; returns how many were recorded for this resource and action before it. */
  recordFailure(e: Omit<Effect, 'effectKey' | 'result'>, upTo: number): Promise<{ failed: boolean; previous: number }>;
};

// the same table the first nfvo migration created (earlier installations have it already)
const LEDGER_DDL = [
  `CREATE TABLE IF NOT EXISTS sim_ledger (
     id            BIGSERIAL PRIMARY KEY,
     resource_id   UUID NOT NULL,
     resource_type TEXT NOT NULL,
     action        TEXT NOT NULL,
     task_id       UUID NOT NULL,
     effect_key    TEXT,
     outcome       TEXT NOT NULL DEFAULT 'applied',
     result        JSONB,
     created_at    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS sim_ledger_effect_key_key ON sim_ledger (effect_key)`,
  `CREATE INDEX IF NOT EXISTS sim_ledger_resource_id_action_idx ON sim_ledger (resource_id, action)`,
];

/** Create the ledger's table if it is missing (several processes may do so at once). */
export async function ensureLedger(sql: SqlPool): Promise<void> {
  for (const ddl of LEDGER_DDL) {
    try {
      await sql.query(ddl);
    } catch (err) {
      // created by another process at the same moment
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw err;
    }
  }
}

/** Record effects in one statement; an effect whose key was recorded before is not applied again. */
async function recordEffects(sql: SqlPool, effects: Effect[]) {
  const r = await sql.query({
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
  const inserted = new Set<string>(r.rows.map((x: { effect_key: string }) => x.effect_key));
  // applied: the first effect of the batch with a key this statement inserted
  const applied = effects.map((e) => inserted.delete(e.effectKey));
  const repeatKeys = effects.filter((_, i) => !applied[i]).map((e) => e.effectKey);
  const earlier = new Map<string, Record<string, unknown>>();
  if (repeatKeys.length) {
    const prev = await sql.query('SELECT effect_key, result FROM sim_ledger WHERE effect_key = ANY($1::text[])', [
      repeatKeys,
    ]);
    for (const p of prev.rows as { effect_key: string; result: Record<string, unknown> }[]) {
      earlier.set(p.effect_key, p.result);
    }
  }
  return effects.map((e, i) =>
    applied[i] ? { applied: true, result: e.result } : { applied: false, result: earlier.get(e.effectKey) ?? e.result },
  );
}

export function makeLedger(sql: SqlPool): Ledger {
  // the table is made sure of on first use, not at start: a worker starts while PostgreSQL is down
  let ready: Promise<void> | undefined;
  const ensure = () =>
    (ready ??= ensureLedger(sql).catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
  const batched = makeBatcher((effects: Effect[]) => recordEffects(sql, effects));
  return {
    async record(e) {
      await ensure();
      return batched(e);
    },
    async recordFailure(e, upTo) {
      await ensure();
      // one statement: count earlier injected failures and add one if still under the limit
      const r = await sql.query(
        `WITH prev AS (SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND action = $3 AND outcome = 'failed'),
              ins AS (INSERT INTO sim_ledger (resource_id, resource_type, action, task_id, outcome)
                      SELECT $1, $2, $3, $4, 'failed' FROM prev WHERE prev.n < $5 RETURNING id)
         SELECT (SELECT n FROM prev) AS previous, EXISTS (SELECT 1 FROM ins) AS failed`,
        [e.resourceId, e.resourceType, e.action, e.taskId, upTo],
      );
      return r.rows[0] as { failed: boolean; previous: number };
    },
  };
}
