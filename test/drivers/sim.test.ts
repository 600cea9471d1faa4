// The sim driver keeps the driver contract, its ledger on the real PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { simPlugin } from '../../src/drivers/sim/sim-plugin.js';
import { makeTestEnv, quiet } from '../helpers/env.js';
import { call, describeConformance, type Case, type Harness } from './conformance.js';

describeConformance('sim', async () => {
  const env = await makeTestEnv('conformance_sim');
  const pool = new pg.Pool({ connectionString: env.config.databaseUrl, max: 3 });
  const packages = {
    open: () => Promise.reject(new Error('the sim reads no package files')),
  };
  const driver = await simPlugin.make({ latencyMs: 0, async: false }, { sql: pool, log: quiet, packages });
  const input = (options: Record<string, unknown> | null = null) => ({ name: 'conf', properties: {}, options });
  return {
    driver,
    create: { action: 'volume.create', resourceType: 'volume', input: input() },
    remove: { action: 'volume.delete', resourceType: 'volume', input: input() },
    slow: { action: 'volume.create', resourceType: 'volume', input: input({ latencyMs: { create: 600 } }) },
    waiting: {
      action: 'volume.create',
      resourceType: 'volume',
      input: input({ async: true, latencyMs: { create: 300 } }),
      canWait: true,
    },
    permanent: { action: 'volume.create', resourceType: 'volume', input: input({ refuse: { create: 'no capacity' } }) },
    retryable: { action: 'volume.create', resourceType: 'volume', input: input({ fail: { create: 1 } }) },
    async effects(resourceId) {
      const r = await pool.query(
        `SELECT count(*)::int AS n FROM sim_ledger WHERE resource_id = $1 AND action = 'volume.create' AND outcome = 'applied'`,
        [resourceId],
      );
      return r.rows[0].n as number;
    },
    async close() {
      await pool.end();
      await env.cleanup();
    },
  };
});

describe('the sim, as a VIM with a limit', () => {
  it('runs at most SIM_MAX_CONCURRENCY actions at once; the rest wait their turn, and all finish', async () => {
    const env = await makeTestEnv('sim_limit');
    const pool = new pg.Pool({ connectionString: env.config.databaseUrl, max: 3 });
    try {
      const packages = { open: () => Promise.reject(new Error('no package files')) };
      const settings = simPlugin.settings({ SIM_LATENCY_MS: 150, SIM_ASYNC: false, SIM_MAX_CONCURRENCY: 3 });
      const driver = await simPlugin.make(settings, { sql: pool, log: quiet, packages });
      const h = { driver } as unknown as Harness;
      const slow: Case = {
        action: 'volume.create',
        resourceType: 'volume',
        input: { name: 'v', properties: {}, options: null },
      };
      let most = 0;
      const sample = setInterval(() => (most = Math.max(most, driver.load!().running)), 5);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => call(h, slow, { resourceId: randomUUID(), key: randomUUID() })),
      );
      clearInterval(sample);
      assert.deepEqual(driver.load!(), { running: 0, limit: 3 });
      assert.equal(most, 3, 'three at once, never more');
      assert.ok(outcomes.every((o) => o.status === 'done'));
    } finally {
      await pool.end();
      await env.cleanup();
    }
  });
});
