// A simulated NFVI: configurable latency (blocking, or "started, check again" for steps that
// wait), deterministic fault injection per resource (the `simulate` option of a create
// request), and a ledger of every applied effect, at most one per idempotency key.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Json } from '../../model.js';
import {
  done,
  DriverError,
  inProgress,
  permanent,
  type Action,
  type ActionContext,
  type ActionInput,
  type Driver,
} from '../driver.js';
import { makeLimiter } from '../limiter.js';
import type { Ledger } from './sim-ledger.js';
import type { SimOptions } from './sim-plugin.js';

export type SimSettings = { latencyMs: number; async: boolean; maxConcurrency?: number };

const short = (id: string) => id.slice(-12);

/** When a simulated asynchronous action started (kept in the task's progress between checks). */
const STARTED = 'simStartedAt';

export function makeSimDriver(deps: { ledger: Ledger } & SimSettings): Driver {
  // the simulated VIM takes this many calls at once, as a real one's API would be limited
  const limit = makeLimiter(deps.maxConcurrency ?? 1000);
  /** The latency of one action: blocking, or as checks while the step waits. Returns an outcome while not done. */
  async function wait(action: string, opts: SimOptions, ctx: ActionContext) {
    const latency = opts.latencyMs?.[action] ?? deps.latencyMs;
    if (latency <= 0) return null;
    if ((opts.async ?? deps.async) && ctx.canWait) {
      const started = typeof ctx.previous?.[STARTED] === 'number' ? (ctx.previous[STARTED] as number) : Date.now();
      const left = started + latency - Date.now();
      if (left > 0)
        return inProgress({ [STARTED]: started }, { checkAfterS: left / 1000, message: `${action} started` });
      return null;
    }
    await sleep(latency / 2, undefined, { signal: ctx.signal });
    await ctx.progress({ percent: 50, message: `${action} half done` });
    await sleep(latency / 2, undefined, { signal: ctx.signal });
    return null;
  }

  /** Wrap an effect with latency, fault injection and the ledger. */
  const act =
    (action: string, effect: (input: ActionInput, ctx: ActionContext) => Json): Action =>
    (input, ctx) =>
      limit(() => call(action, effect, input, ctx), ctx.signal);

  async function call(
    action: string,
    effect: (input: ActionInput, ctx: ActionContext) => Json,
    input: ActionInput,
    ctx: ActionContext,
  ) {
    const opts = (input.options ?? {}) as SimOptions;
    const pending = await wait(action, opts, ctx);
    if (pending) return pending;
    const ids = {
      resourceId: ctx.resourceId,
      resourceType: ctx.resourceType,
      action: `${ctx.resourceType}.${action}`,
    };
    const refused = opts.refuse?.[action];
    if (refused !== undefined) throw permanent(`simulated ${action} refusal: ${refused}`);
    const failures = opts.fail?.[action] ?? 0;
    if (failures > 0) {
      const f = await deps.ledger.recordFailure({ ...ids, taskId: ctx.taskId }, failures);
      if (f.failed) throw new DriverError(`simulated ${action} failure (${f.previous + 1} of ${failures} injected)`);
    }
    ctx.signal.throwIfAborted();
    const rec = await deps.ledger.record({
      ...ids,
      taskId: ctx.taskId,
      effectKey: ctx.idempotencyKey,
      result: effect(input, ctx),
    });
    if (!rec.applied) ctx.log.info({ action }, 'effect already applied for this task; not applied again');
    return done(rec.result);
  }
  const none = () => ({});

  return {
    name: 'sim',
    load: limit.load,
    vnf_package: {
      // nfvo itself finds the content and reads the CSAR; the sim adds its latency and faults
      upload: act('upload', none),
      validate: act('validate', none),
      // the sim's image catalog: each software image gets an id, kept in the ledger
      register: act('register', (i, c) => ({
        images: ((i.properties.softwareImages ?? []) as { id: string }[]).map((img) => ({
          id: img.id,
          vimImageId: `sim-img-${short(c.resourceId)}-${img.id}`,
        })),
      })),
      delete: act('delete', none),
    },
    volume: {
      create: act('create', (_i, c) => ({ volumeId: `vol-${short(c.resourceId)}` })),
      delete: act('delete', none),
    },
    vnf: {
      // sized from the VNFD: the flavour's vcpus and memory, and the package's image
      allocate: act('allocate', (i) => {
        const vcpus = (i.properties.vcpus as number | undefined) ?? 1;
        const memoryMb = (i.properties.memoryMb as number | undefined) ?? 512;
        const imageId = (i.properties.vimImageId as string | undefined) ?? null;
        return { flavor: `sim.${vcpus}vcpu.${memoryMb}mb`, hostId: 'sim-host-1', vcpus, memoryMb, imageId };
      }),
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
