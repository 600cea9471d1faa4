// Drift: every OBSERVE_INTERVAL_S one worker of the deployment asks the driver what became of
// the live resources' objects in the VIM (one list call per kind), and a resource whose
// server or volume was deleted or broke behind nfvo's back leaves its status for ERROR with
// the reason; a retry heals it from where the driver says (a vnf boots again).
import type { Db } from '../db/db.js';
import { expectedInVim, OBSERVER_LOCK, recordDrift } from '../db/observe-repository.js';
import type { Driver } from '../drivers/driver.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

const MAX_PER_PASS = 10_000;

export function makeObserver(deps: { db: Db; driver: Driver; log: Logger; intervalS: number }) {
  const { db, driver, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  /** One pass; returns the resources it found drifted (none when another worker holds the pass). */
  async function pass(): Promise<string[]> {
    if (!driver.observe) return [];
    return db.tx(async (c) => {
      const got = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [OBSERVER_LOCK]);
      if (!got.rows[0]!.ok) return [];
      const { expected, versions } = await expectedInVim(c, MAX_PER_PASS);
      if (!expected.vnfs.length && !expected.volumes.length) return [];
      const drifted: string[] = [];
      for (const d of await driver.observe!(expected)) {
        if (await recordDrift(c, d, versions.get(d.resourceId)!)) {
          drifted.push(d.resourceId);
          log.warn(
            { resourceId: d.resourceId, reason: d.reason },
            'drift: the resource changed in the VIM behind nfvo',
          );
        }
      }
      return drifted;
    });
  }

  return {
    pass,
    start(): void {
      if (!driver.observe || deps.intervalS <= 0) return;
      timer = setInterval(() => {
        running ??= pass()
          .then(() => undefined)
          .catch((err) => log.warn({ err: errorMessage(err) }, 'observing the VIM failed; will try again'))
          .finally(() => (running = undefined));
      }, deps.intervalS * 1000);
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
