// The sim driver keeps the driver contract, its ledger on the real PostgreSQL.
import pg from 'pg';
import { simPlugin } from '../../src/drivers/sim/sim-plugin.js';
import { makeTestEnv, quiet } from '../helpers/env.js';
import { describeConformance } from './conformance.js';

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
