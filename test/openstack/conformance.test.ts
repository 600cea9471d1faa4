// The openstack driver keeps the driver contract, on a real cloud (npm run test:openstack; the
// OS_* variables of an openrc name it). Every volume it made is gone at the end.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { pino } from 'pino';
import { openstackPlugin } from '../../src/drivers/openstack/openstack-plugin.js';
import { cloudEnv, leftovers } from '../helpers/openstack.js';
import { describeConformance } from '../drivers/conformance.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const packages = { open: () => Promise.reject(new Error('no package files here')) };
const make = (env: Record<string, string | undefined>) =>
  openstackPlugin.make(openstackPlugin.settings(openstackPlugin.config.parse(env)), {
    sql: null as never,
    log,
    packages,
  });

after(async () => {
  assert.deepEqual(
    await leftovers((i) => i.name === 'conformance'),
    [],
    'the conformance suite left objects in the cloud',
  );
});

describeConformance('openstack', async () => {
  const env = cloudEnv();
  const driver = await make(env);
  // the same driver pointed at a Keystone that does not answer
  const unreachable = await make({ ...env, OS_AUTH_URL: 'http://127.0.0.1:9/v3' });
  const input = (sizeGb: number) => ({ name: 'conformance', properties: { sizeGb }, options: null });
  const created = new Set<string>();
  return {
    driver,
    create: { action: 'volume.create', resourceType: 'volume', input: input(1) },
    remove: { action: 'volume.delete', resourceType: 'volume', input: input(1) },
    slow: { action: 'volume.create', resourceType: 'volume', input: input(1) },
    waiting: { action: 'volume.create', resourceType: 'volume', input: input(1), canWait: true },
    permanent: { action: 'volume.create', resourceType: 'volume', input: input(100_000) },
    retryable: { action: 'volume.create', resourceType: 'volume', input: input(1), driver: unreachable },
    async effects(resourceId) {
      created.add(resourceId);
      const vols = (await driver.inventory!()).filter((i) => i.kind === 'volume' && i.resourceId === resourceId);
      return vols.length;
    },
    async close() {
      // what the suite created goes, through the driver's own delete
      const made = (await driver.inventory!()).filter((i) => i.kind === 'volume' && i.name === 'conformance');
      for (const resourceId of new Set([...created, ...made.map((i) => i.resourceId!)])) {
        await driver.volume.delete(input(1), {
          taskId: resourceId,
          resourceId,
          resourceType: 'volume',
          attempt: 1,
          idempotencyKey: resourceId,
          reEntrant: true,
          canWait: false,
          previous: null,
          signal: new AbortController().signal,
          log,
          progress: async () => {},
        });
      }
    },
  };
});
