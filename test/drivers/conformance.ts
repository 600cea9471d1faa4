// The driver contract (src/drivers/driver.ts), as tests any driver must pass. A driver's
// test file gives a harness: the driver, inputs for its actions, and a way to count the
// effects it applied in its VIM.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import {
  DriverError,
  type Action,
  type ActionContext,
  type ActionInput,
  type ActionOutcome,
  type Driver,
} from '../../src/drivers/driver.js';
import { resultProblem, type ActionName } from '../../src/fsm/index.js';
import type { Json } from '../../src/model.js';

/** An action of the driver, by the name the FSM tables give it, with the input to run it on. */
export type Case = {
  action: ActionName;
  input: ActionInput;
  resourceType: string;
  canWait?: boolean;
  /** Another instance of the driver to call it on (e.g. one pointed at an endpoint that does not answer). */
  driver?: Driver;
};

export type Harness = {
  driver: Driver;
  /** A create whose effect can be counted, and the delete of what it created. */
  create: Case;
  remove: Case;
  /** How many times the effect of a create was applied in the VIM for this resource. */
  effects(resourceId: string): Promise<number>;
  /** A create that takes long enough to be aborted part-way, blocking (canWait false). */
  slow: Case;
  /** A create that reports "started, check again" when it may wait. */
  waiting: Case;
  /** Calls that fail: one for good, one that may succeed when tried again. */
  permanent: Case;
  retryable: Case;
  close?(): Promise<void>;
};

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

type Run = { resourceId: string; key: string; previous?: Json | null; signal?: AbortSignal; canWait?: boolean };

/** Call an action as a worker would, recording the progress it reports. */
export async function call(h: Harness, c: Case, run: Run, progress: Json[] = []): Promise<ActionOutcome> {
  const [group, verb] = c.action.split('.') as [string, string];
  const groupName = group === 'vnfp' ? 'vnf_package' : group;
  const fn = ((c.driver ?? h.driver) as unknown as Record<string, Record<string, Action>>)[groupName]![verb]!;
  const ctx: ActionContext = {
    taskId: run.key,
    resourceId: run.resourceId,
    resourceType: c.resourceType,
    attempt: 1,
    idempotencyKey: run.key,
    reEntrant: false,
    canWait: run.canWait ?? c.canWait ?? false,
    previous: run.previous ?? null,
    signal: run.signal ?? new AbortController().signal,
    log,
    progress: async (p) => void progress.push(p),
  };
  return fn(c.input, ctx);
}

/** Call again, as the controller's checks would, until the action is done (at most `checks` times). */
async function untilDone(h: Harness, c: Case, run: Run, checks = 200): Promise<Json> {
  let previous: Json | null = null;
  for (let i = 0; i < checks; i++) {
    const out = await call(h, c, { ...run, previous, canWait: true });
    if (out.status === 'done') return out.result;
    previous = { ...(previous ?? {}), ...out.state };
    await new Promise((r) => setTimeout(r, Math.min(2_000, 1000 * (out.checkAfterS ?? 0.1))));
  }
  throw new Error(`${c.action} still in progress after ${checks} checks`);
}

export function describeConformance(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`driver conformance: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await makeHarness();
    });
    after(() => h?.close?.());

    const fresh = () => ({ resourceId: randomUUID(), key: randomUUID() });

    it('a create called twice with one idempotency key applies its effect once and returns the same result', async () => {
      const run = fresh();
      const first = await untilDone(h, h.create, run);
      const second = await untilDone(h, h.create, run);
      assert.equal(resultProblem(h.create.action, first), null, 'the result matches its action');
      assert.deepEqual(second, first);
      assert.equal(await h.effects(run.resourceId), 1);
    });

    it('a create with another key (a new task) is another effect', async () => {
      const run = fresh();
      await untilDone(h, h.create, run);
      await untilDone(h, h.create, { ...run, key: randomUUID() });
      assert.equal(await h.effects(run.resourceId), 2);
    });

    it('a delete of something already gone succeeds, and so does a delete after a delete', async () => {
      const run = fresh();
      await untilDone(h, h.create, run);
      const r1 = await untilDone(h, h.remove, { ...run, key: randomUUID() });
      const r2 = await untilDone(h, h.remove, { ...run, key: randomUUID() });
      assert.equal(resultProblem(h.remove.action, r1), null);
      assert.equal(resultProblem(h.remove.action, r2), null);
      await untilDone(h, h.remove, fresh());
    });

    it('an aborted action rejects; what it had applied is found by the next attempt, never applied twice', async () => {
      const run = fresh();
      const abort = new AbortController();
      const pending = call(h, h.slow, { ...run, signal: abort.signal });
      setTimeout(() => abort.abort(new Error('worker stopping')), 100);
      await assert.rejects(pending);
      assert.ok((await h.effects(run.resourceId)) <= 1);
      // the next attempt (same key) applies it once
      await untilDone(h, h.slow, run);
      assert.equal(await h.effects(run.resourceId), 1);
    });

    it('a permanent failure says it is not retryable, a transient one that it is, each with a reason', async () => {
      const run = fresh();
      const permanent = await call(h, h.permanent, run).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(permanent instanceof DriverError, `a DriverError (got ${String(permanent)})`);
      assert.equal(permanent.retryable, false);
      assert.ok(permanent.message.length > 0);
      const transient = await call(h, h.retryable, fresh()).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(transient instanceof Error, 'the transient call failed');
      assert.notEqual((transient as DriverError).retryable, false, 'a transient failure is retryable');
    });

    it('a long action that may wait says "started, check again", and a check later finishes it, once', async () => {
      const run = fresh();
      const first = await call(h, h.waiting, { ...run, canWait: true });
      assert.equal(first.status, 'in_progress', 'it did not block the worker');
      const result = await untilDone(h, h.waiting, {
        ...run,
        previous: first.status === 'in_progress' ? first.state : null,
      });
      assert.equal(resultProblem(h.waiting.action, result), null);
      assert.equal(await h.effects(run.resourceId), 1);
    });

    it('a long action that may not wait blocks until done, reporting progress on the way', async () => {
      const progress: Json[] = [];
      const out = await call(h, h.slow, fresh(), progress);
      assert.equal(out.status, 'done');
      assert.ok(progress.length >= 1, 'it reported progress');
    });
  });
}
