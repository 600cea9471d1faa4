// What every OpenStack action shares: the session and its services, the driver's settings,
// and the way an action waits on the cloud (checked again later, or polled in place).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import type { Json } from '../../model.js';
import { done, inProgress, retryable, type ActionContext, type ActionOutcome } from '../driver.js';
import type { PackageFileReader } from '../registry.js';
import { cinder } from './cinder.js';
import { glance } from './glance.js';
import { neutron } from './neutron.js';
import { nova } from './nova.js';
import type { Session } from './session.js';

export type OpenStackSettings = {
  /** The network of vnf ports, by name or id; none: a vnf boots without a network. */
  network?: string;
  /** A VDU's size ("<vcpus>x<memoryMb>x<diskGb>") to an existing flavor's name or id. */
  flavorMap: Record<string, string>;
  /** How long an action polls in place when its step cannot wait (s). */
  inlineWaitS: number;
};

export function makeContext(session: Session, settings: OpenStackSettings, packages: PackageFileReader, log: Logger) {
  let networkId: Promise<string | null> | undefined;
  return {
    session,
    settings,
    packages,
    log,
    nova: nova(session),
    cinder: cinder(session),
    glance: glance(session),
    neutron: neutron(session),
    /** The configured network's id (looked up once); null when none is configured. */
    network(): Promise<string | null> {
      if (!settings.network) return Promise.resolve(null);
      networkId ??= neutron(session)
        .network(settings.network)
        .then((id) => {
          if (!id) throw new Error(`OPENSTACK_NETWORK: no network ${settings.network}`);
          return id;
        })
        .catch((err: unknown) => {
          networkId = undefined;
          throw err;
        });
      return networkId;
    },
  };
}

export type Ctx = ReturnType<typeof makeContext>;

/** One look at an operation in the cloud: finished (with its result), or not yet (what to remember, and why). */
export type Look = { done: true; result: Json } | { done: false; state: Json; message: string };

/**
 * Look until done: when the step can wait, one look, then "check again" with what to
 * remember; otherwise poll in place (reporting progress) for at most inlineWaitS.
 */
export async function settle(c: Ctx, ctx: ActionContext, look: () => Promise<Look>): Promise<ActionOutcome> {
  const end = Date.now() + c.settings.inlineWaitS * 1000;
  for (let i = 0; ; i++) {
    const l = await look();
    if (l.done) return done(l.result);
    if (ctx.canWait) return inProgress(l.state, { message: l.message });
    if (Date.now() > end) throw retryable(`${l.message} after ${c.settings.inlineWaitS} s`);
    await ctx.progress({ message: l.message });
    await sleep(Math.min(5_000, 250 * 2 ** i), undefined, { signal: ctx.signal });
  }
}
