// The invariants a chaos run ends with, checked once everything has settled: every resource
// at its spec (or in ERROR where a failure was injected on purpose) and unlocked; every
// accepted request has its resource; every non-re-entrant effect applied exactly once (the
// sim driver's ledger) and none recorded without it; every transition recorded once and
// chained in order; nothing left in a queue, unacknowledged or dead-lettered.
import assert from 'node:assert/strict';
import { ALL_QUEUES } from '../../src/broker/topology.js';
import { NON_REENTRANT, type Accepted, type Progress, type QueueState } from './chaos.js';
import { waitFor, type TestEnv } from './env.js';

/** What the summary line reports of a run that passed. */
export type Checked = {
  resources: number;
  transitions: number;
  errorsInjected: number;
  errorsUnexpected: number;
  rerunAttempts: number;
  takeovers: number;
  effectsDeduplicated: number;
  lost: number;
  duplicated: number;
};

export async function checkInvariants(opts: {
  env: TestEnv;
  ids: Accepted;
  progress: Progress;
  /** Every log line of every process of the run. */
  lines: () => string[];
  queues: () => Promise<QueueState>;
}): Promise<Checked> {
  const { env, ids, progress } = opts;
  // settle: everything at its spec or in ERROR, and unlocked
  progress.enter('workload', 'settling');
  const settled = await waitFor(
    'every resource to settle',
    async () => {
      const r = await env.pool.query(
        `SELECT count(*)::int AS n FROM resources WHERE worker_id IS NOT NULL OR (status <> spec AND status <> 'ERROR')`,
      );
      return r.rows[0].n === 0;
    },
    240_000,
  ).catch((e) => e as Error);
  const stuck = (
    await env.pool.query(
      `SELECT id, type, status, spec, worker_id, error FROM resources WHERE worker_id IS NOT NULL OR (status <> spec AND status <> 'ERROR') LIMIT 5`,
    )
  ).rows;
  assert.equal(settled, true, `stuck: ${JSON.stringify(stuck)}`);
  progress.enter('workload', 'checking');

  const rows = (
    await env.pool.query('SELECT id, type, status, spec, worker_id, error, driver_options AS simulate FROM resources')
  ).rows;
  const unexpectedErrors = rows.filter((r) => r.status === 'ERROR' && !ids.get(r.id)?.injected);
  assert.deepEqual(
    unexpectedErrors.map((r) => `${r.type} ${r.id}: ${r.error}`),
    [],
    'ERROR only where failures were injected on purpose',
  );
  const injectedOk = rows.filter((r) => ids.get(r.id)?.injected).every((r) => r.status === 'ERROR');
  assert.ok(injectedOk, 'resources with a permanent injected failure end in ERROR');
  const lost = [...ids.keys()].filter((id) => !rows.some((r) => r.id === id));
  assert.deepEqual(lost, [], 'every accepted request has its resource');

  // each non-re-entrant effect exactly once
  const dup = (
    await env.pool.query(
      `SELECT resource_id, action, count(*)::int AS n FROM sim_ledger WHERE outcome = 'applied' AND action = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
      [NON_REENTRANT],
    )
  ).rows;
  assert.deepEqual(dup, [], 'non-re-entrant effects applied more than once');
  const missing = (
    await env.pool.query(
      `SELECT t.resource_id, t.action FROM transitions t WHERE t.outcome = 'SUCCESS' AND replace(t.action, 'vnfp.', 'vnf_package.') = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM sim_ledger l WHERE l.resource_id = t.resource_id AND l.outcome = 'applied' AND l.action = replace(t.action, 'vnfp.', 'vnf_package.'))`,
      [NON_REENTRANT],
    )
  ).rows;
  assert.deepEqual(missing, [], 'a recorded step without its effect');

  // transitions: once each, chained in order from CREATED to the current status
  const ts = (
    await env.pool.query('SELECT resource_id, from_status, to_status, task_id, outcome FROM transitions ORDER BY id')
  ).rows;
  const byRes = new Map<string, typeof ts>();
  for (const t of ts) byRes.set(t.resource_id, [...(byRes.get(t.resource_id) ?? []), t]);
  let broken = 0;
  let duplicated = 0;
  for (const r of rows) {
    const chain = byRes.get(r.id) ?? [];
    const seen = new Set<string>();
    for (const [i, t] of chain.entries()) {
      if (t.task_id && t.outcome === 'SUCCESS') {
        if (seen.has(t.task_id)) duplicated++;
        seen.add(t.task_id);
      }
      if (i === 0 ? t.from_status !== 'CREATED' : t.from_status !== chain[i - 1].to_status) broken++;
    }
    if ((chain.at(-1)?.to_status ?? 'CREATED') !== r.status) broken++;
  }
  assert.equal(duplicated, 0, 'a step recorded twice');
  assert.equal(broken, 0, 'a transition chain out of order');

  // the queues are empty and nothing was dead-lettered
  const { depth, dead, unacked } = await opts.queues();
  assert.deepEqual(
    { ...depth, dead_letter: dead },
    { ...Object.fromEntries(ALL_QUEUES.map((q) => [q, 0])), dead_letter: [] },
  );
  assert.equal(unacked, 0, 'messages left unacknowledged');

  // evidence that the faults hit work in flight
  const rerun = (await env.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE attempt > 1 AND state = 'SUCCESS'`))
    .rows[0].n;
  const lines = opts.lines();
  return {
    resources: rows.length,
    transitions: ts.length,
    errorsInjected: rows.filter((r) => r.status === 'ERROR').length,
    errorsUnexpected: unexpectedErrors.length,
    rerunAttempts: rerun,
    takeovers: lines.filter((l) => l.includes('taken over')).length,
    effectsDeduplicated: lines.filter((l) => l.includes('effect already applied')).length,
    lost: lost.length,
    duplicated: duplicated + dup.length,
  };
}
