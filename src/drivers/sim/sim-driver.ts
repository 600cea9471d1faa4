// A simulated NFVI: configurable latency, deterministic fault injection per resource
// (the `simulate` field of a create request), and a ledger of every applied effect.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../../db/ledger-repository.js';
import type { Json } from '../../model.js';
import { DriverError, type Action, type ActionContext, type ActionInput, type Driver } from '../driver.js';

const short = (id: string) => id.slice(-12);

export function makeSimDriver(deps: { ledger: Ledger; latencyMs: number }): Driver {
  /** Wrap an effect with latency, fault injection and the ledger. */
  const act =
    (action: string, effect: (input: ActionInput, ctx: ActionContext) => Json): Action =>
    async (input, ctx) => {
      const latency = input.simulate?.latencyMs?.[action] ?? deps.latencyMs;
      if (latency > 0) {
        await sleep(latency / 2, undefined, { signal: ctx.signal });
        await ctx.progress({ percent: 50, message: `${action} half done` });
        await sleep(latency / 2, undefined, { signal: ctx.signal });
      }
      const ids = {
        resourceId: ctx.resourceId,
        resourceType: ctx.resourceType,
        action: `${ctx.resourceType}.${action}`,
        taskId: ctx.taskId,
      };
      const failures = input.simulate?.fail?.[action] ?? 0;
      if (failures > 0) {
        const f = await deps.ledger.recordFailure(ids, failures);
        if (f.failed) throw new DriverError(`simulated ${action} failure (${f.previous + 1} of ${failures} injected)`);
      }
      const rec = await deps.ledger.record({
        ...ids,
        effectKey: ctx.reEntrant ? null : ctx.taskId,
        result: effect(input, ctx),
      });
      if (!rec.applied) ctx.log.info({ action }, 'effect already applied for this task; not applied again');
      return rec.result;
    };
  const none = () => ({});

  return {
    name: 'sim',
    vnf_package: {
      upload: act('upload', (i, c) => ({
        artifactUri: `sim://packages/${c.resourceId}/package.zip`,
        checksum: createHash('sha256').update(i.name).digest('hex'),
      })),
      validate: act('validate', (i) => ({
        descriptor: { vnfdId: `vnfd-${i.name}`, version: i.properties.version ?? '1.0' },
      })),
      register: act('register', (_i, c) => ({ catalogId: `cat-${short(c.resourceId)}` })),
      delete: act('delete', none),
    },
    volume: {
      create: act('create', (_i, c) => ({ backendVolumeId: `vol-${short(c.resourceId)}` })),
      delete: act('delete', none),
    },
    vnf: {
      allocate: act('allocate', () => ({ flavor: 'm1.small', hostId: 'sim-host-1' })),
      boot: act('boot', (_i, c) => ({ serverId: `srv-${short(c.resourceId)}` })),
      configure: act('configure', none),
      release: act('release', none),
      delete: act('delete', none),
    },
    acl: {
      validate: act('validate', none),
      apply: act('apply', (i) => ({
        ruleIds: ((i.properties.rules as unknown[]) ?? []).map((_, n) => `rule-${n + 1}`),
      })),
      delete: act('delete', none),
    },
  };
}
