// The controller: load -> decide (pure) -> persist (one fenced statement, outbox) -> publish.
import type { Broker } from '../broker/broker.js';
import { ApiMessageSchema, CallbackMessageSchema, type ApiMessage, type CallbackMessage } from '../broker/messages.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { makeBatcher } from '../batch.js';
import {
  commitSteps,
  findExpiredLeases,
  type LeaseHolder,
  findUnsettled,
  loadResources,
  statusBeforeError,
  type Loaded,
  type StepWrite,
} from '../db/step-repository.js';
import { errorMessage } from '../errors.js';
import { resourceKinds, type ResourceType } from '../fsm/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { OutboxRelay } from '../outbox/relay.js';
import { afterCommit, asCreated, CommitSnapshots } from './commit-snapshots.js';
import {
  decideFailure,
  decidePending,
  decideReconcile,
  decideRetry,
  decideSuccess,
  type Env,
  type Plan,
} from './decide.js';
import { stepWrite, workMessage } from './work-message.js';

export { workMessage } from './work-message.js';

export type ControllerDeps = {
  id: string;
  db: Db;
  broker: Broker;
  relay: OutboxRelay;
  log: Logger;
  config: Config;
  metrics?: Metrics;
};

const MAX_ROUNDS = 10;

export function makeController(deps: ControllerDeps) {
  const { db, broker, relay, log, config } = deps;
  const env: Env = {
    me: deps.id,
    leaseMs: config.leaseSeconds * 1000,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    random: Math.random,
  };
  // messages handled in the same event-loop turn share one read and one write
  const load = makeBatcher((keys: { id: string; taskId?: string }[]) => loadResources(db.pool, keys));
  const commit = makeBatcher(async (items: StepWrite[]) => {
    // one resource at most once per statement; a second plan for it is decided again
    const seen = new Set<string>();
    const first = items.map((it) => !seen.has(it.resourceId) && !!seen.add(it.resourceId));
    const out = await commitSteps(
      db.pool,
      items.filter((_, i) => first[i]),
    );
    return first.map((f) => (f ? out.shift()! : null));
  });
  const committed = new CommitSnapshots();
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  /**
   * One step for one resource: read, decide, write the plan fenced by version, then
   * publish what was committed. A concurrent change (version moved) means: decide again.
   */
  async function step(
    resourceId: string,
    decide: (l: Loaded) => Promise<Plan> | Plan,
    taskId?: string,
    hint: Loaded | null = null,
  ): Promise<Plan | null> {
    for (let round = 1; ; round++) {
      // first round: what this controller committed when it dispatched the step, or what a create inserted
      const loaded = round === 1 && hint ? hint : await load({ id: resourceId, taskId });
      if (!loaded) {
        log.warn({ resourceId }, 'message for a resource that does not exist; ignored');
        return null;
      }
      if (!(loaded.resource.type in resourceKinds)) {
        log.error({ resourceId, type: loaded.resource.type }, 'resource of an unknown type; ignored');
        return null;
      }
      const plan = await decide(loaded);
      if (!plan.write) {
        log.debug({ resourceId, taskId }, plan.summary);
        return plan;
      }
      const msg = plan.dispatch ? workMessage(loaded.resource, plan, config.taskExpiresSeconds, deps.id) : null;
      const done = await commit(stepWrite(loaded.resource, plan, msg));
      if (done) {
        // an entry that no longer matches is harmless (the write is fenced); this only frees it sooner
        const after = afterCommit(loaded.resource, loaded.task, plan);
        if (after) committed.remember(after);
        else committed.forget(resourceId);
        if (done.outbox) relay.publishNow([done.outbox]);
        if (deps.metrics) countStep(deps.metrics, loaded, plan);
        log.info(
          {
            resourceId,
            taskId: plan.dispatch?.taskId ?? taskId,
            transitions: plan.transitions.map((t) => `${t.fromStatus}->${t.toStatus}`),
          },
          plan.summary,
        );
        return plan;
      }
      if (round >= MAX_ROUNDS)
        throw new Error(`resource ${resourceId} kept changing under the controller (${round} rounds)`);
      log.debug({ resourceId, round }, 'resource changed while deciding; deciding again');
    }
  }

  /** What a committed step adds to this process's metrics. */
  function countStep(m: Metrics, l: Loaded, plan: Plan): void {
    const r = l.resource;
    if (plan.dispatch) m.tasksDispatched.inc({ action: plan.dispatch.action });
    if (plan.taskWrite?.outcome && l.task)
      m.tasksFinished.inc({ action: l.task.name, outcome: plan.taskWrite.outcome });
    for (const t of plan.transitions) m.transitions.inc({ type: r.type, from: t.fromStatus, to: t.toStatus });
    const last = plan.transitions[plan.transitions.length - 1];
    if (last && last.toStatus === r.spec)
      m.converge.observe({ type: r.type }, (Date.now() - (r.specAt ?? r.createdAt).getTime()) / 1000);
  }

  const reconcileDecision = (l: Loaded) => decideReconcile(l.resource, l.task, l.leaseExpired, env, l.taskIdleMs);
  const reconcile = (id: string) => step(id, reconcileDecision);

  async function onApiMessage(msg: ApiMessage): Promise<void> {
    if (msg.kind === 'retry') {
      // where it failed; a resource that drifted in the VIM says where it resumes (a vnf boots again)
      const from = async (l: Loaded) =>
        (l.resource.properties.resumeFrom as string | undefined) ??
        (await statusBeforeError(db.pool, l.resource.id)) ??
        resourceKinds[l.resource.type as ResourceType].initial;
      await step(msg.resourceId, async (l) => decideRetry(l.resource, await from(l), env));
    } else {
      await step(
        msg.resourceId,
        reconcileDecision,
        undefined,
        msg.created ? asCreated(msg.resourceId, msg.created) : null,
      );
    }
  }

  async function onCallback(msg: CallbackMessage): Promise<void> {
    await step(
      msg.resourceId,
      (l) => {
        if (msg.kind === 'success') return decideSuccess(l.resource, l.task, msg, env);
        if (msg.kind === 'pending') return decidePending(l.resource, l.task, msg, env);
        return decideFailure(l.resource, l.task, msg, env);
      },
      msg.taskId,
      committed.take(msg.resourceId, msg.taskId, msg.attempt, msg.check),
    );
  }

  /** Name the processes whose leases were taken over, as they last reported in. */
  function logTakeovers(holders: LeaseHolder[]): void {
    const byHolder = new Map<string, { holder: LeaseHolder; leases: number }>();
    for (const h of holders) {
      const e = byHolder.get(h.id) ?? { holder: h, leases: 0 };
      e.leases++;
      byHolder.set(h.id, e);
    }
    for (const { holder, leases } of byHolder.values()) {
      const known = holder.host !== null;
      log.warn(
        {
          previousHolder: holder.id,
          leases,
          ...(known ? { holderHost: holder.host, holderPid: holder.pid, holderLastHeartbeat: holder.heartbeatAt } : {}),
        },
        known
          ? `took over ${leases} expired lease(s) held by ${holder.id} (pid ${holder.pid} on ${holder.host}, last heartbeat ${holder.heartbeatAt?.toISOString()})`
          : `took over ${leases} expired lease(s) held by ${holder.id} (a process not recorded)`,
      );
    }
  }

  /** Take over expired leases and pick up resources nobody is driving. */
  async function sweep(): Promise<void> {
    try {
      const expired = await findExpiredLeases(db.pool, 100);
      const takenFrom: LeaseHolder[] = [];
      for (const { id, holder } of expired) {
        // a lease renewed (its attempt still queued or beating) is not a take-over
        if ((await reconcile(id))?.taskWrite?.outcome === 'lost') takenFrom.push(holder);
      }
      logTakeovers(takenFrom);
      const unsettled = await findUnsettled(db.pool, config.resyncAfterSeconds * 1000, 100);
      for (const id of unsettled) await reconcile(id);
      if (expired.length || unsettled.length)
        log.info({ expired: expired.length, unsettled: unsettled.length }, 'sweep resumed resources');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'sweep failed; will try again');
    }
  }

  return {
    reconcile,
    sweep,
    async start(): Promise<void> {
      await broker.consume('api_queue', ApiMessageSchema, onApiMessage, config.controllerConcurrency);
      // the callbacks of the steps this controller dispatches come to its own queue (and the shared one if it is gone)
      await broker.consume('callback_queue', CallbackMessageSchema, onCallback, config.controllerConcurrency, {
        owner: deps.id,
      });
      // resume at once whatever a crash left mid-step, then keep looking
      const runSweep = () => {
        sweeping ??= sweep().finally(() => (sweeping = undefined));
      };
      runSweep();
      sweepTimer = setInterval(runSweep, config.sweepIntervalMs);
      log.info({ controllerId: deps.id }, 'controller started');
    },
    async stop(): Promise<void> {
      clearInterval(sweepTimer);
      await sweeping;
    },
  };
}
