// The controller: load -> decide (pure) -> persist (one transaction, outbox) -> publish.
import type pg from 'pg';
import type { Broker } from '../broker/broker.js';
import { ApiMessageSchema, CallbackMessageSchema, PRIORITY, type ApiMessage, type CallbackMessage, type WorkMessage } from '../broker/messages.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import type { OutboxInsert } from '../db/outbox-repository.js';
import { findExpiredLeases, findUnsettled, lockResource, statusBeforeError, writePlan, type Locked } from '../db/step-repository.js';
import { errorMessage } from '../errors.js';
import { resourceKinds, type ResourceType } from '../fsm/index.js';
import type { Logger } from '../log.js';
import type { Resource } from '../model.js';
import type { OutboxRelay } from '../outbox/relay.js';
import { decideFailure, decideReconcile, decideRetry, decideSuccess, type Env, type Plan } from './decide.js';

export type ControllerDeps = { id: string; db: Db; broker: Broker; relay: OutboxRelay; log: Logger; config: Config };

const OPERATOR_SPECS = new Set(['DELETED', 'TERMINATED']);

/** The work_queue message for a plan's dispatch, carrying its callbacks and arguments. */
export function workMessage(r: Resource, plan: Plan): OutboxInsert {
  const d = plan.dispatch!;
  const properties = plan.write?.properties ?? r.properties;
  const msg: WorkMessage = {
    v: 1,
    taskId: d.taskId,
    resourceId: r.id,
    resourceType: r.type,
    action: d.action,
    attempt: d.attempt,
    args: { name: r.name, properties, simulate: r.simulate },
    callbacks: { success: { queue: 'callback_queue', nextTask: d.step }, error: { queue: 'callback_queue', nextTask: d.step } },
  };
  return { queue: 'work_queue', payload: msg, delayMs: d.delayMs, priority: OPERATOR_SPECS.has(r.spec) ? PRIORITY.operator : PRIORITY.normal };
}

export function makeController(deps: ControllerDeps) {
  const { db, broker, relay, log, config } = deps;
  const env: Env = { me: deps.id, leaseMs: config.leaseSeconds * 1000, retryBaseMs: config.retryBaseMs, retryMaxMs: config.retryMaxMs, random: Math.random };
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  /** One step for one resource: lock, decide, persist, then publish what was committed. */
  async function step(resourceId: string, decide: (l: Locked, c: pg.PoolClient) => Promise<Plan> | Plan, taskId?: string): Promise<Plan | null> {
    const out = await db.tx(async (c) => {
      const locked = await lockResource(c, resourceId, taskId);
      if (!locked) return null;
      if (!(locked.resource.type in resourceKinds)) return { plan: { summary: `unknown resource type ${locked.resource.type}`, transitions: [] } as Plan, rows: [] };
      const plan = await decide(locked, c);
      const changes = plan.write || plan.transitions.length || plan.taskWrite || plan.newTask;
      const rows = changes ? await writePlan(c, locked.resource, plan, plan.dispatch ? [workMessage(locked.resource, plan)] : []) : [];
      return { plan, rows };
    });
    if (!out) {
      log.warn({ resourceId }, 'message for a resource that does not exist; ignored');
      return null;
    }
    relay.publishNow(out.rows);
    const level = out.plan.write || out.plan.transitions.length ? 'info' : 'debug';
    log[level]({ resourceId, taskId: out.plan.dispatch?.taskId ?? taskId, transitions: out.plan.transitions.map((t) => `${t.fromStatus}->${t.toStatus}`) }, out.plan.summary);
    return out.plan;
  }

  const reconcile = (id: string) => step(id, (l) => decideReconcile(l.resource, l.task, l.leaseExpired, env));

  async function onApiMessage(msg: ApiMessage): Promise<void> {
    if (msg.kind === 'retry') {
      await step(msg.resourceId, async (l, c) => decideRetry(l.resource, (await statusBeforeError(c, l.resource.id)) ?? resourceKinds[l.resource.type as ResourceType].initial, env));
    } else {
      await reconcile(msg.resourceId);
    }
  }

  async function onCallback(msg: CallbackMessage): Promise<void> {
    await step(
      msg.resourceId,
      (l) => (msg.kind === 'success' ? decideSuccess(l.resource, l.task, msg, env) : decideFailure(l.resource, l.task, msg, env)),
      msg.taskId,
    );
  }

  /** Take over expired leases and pick up resources nobody is driving. */
  async function sweep(): Promise<void> {
    try {
      const expired = await findExpiredLeases(db.pool, 100);
      for (const id of expired) await reconcile(id);
      const unsettled = await findUnsettled(db.pool, config.resyncAfterSeconds * 1000, 100);
      for (const id of unsettled) await reconcile(id);
      if (expired.length || unsettled.length) log.info({ expired: expired.length, unsettled: unsettled.length }, 'sweep resumed resources');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'sweep failed; will try again');
    }
  }

  return {
    reconcile,
    sweep,
    async start(): Promise<void> {
      await broker.consume('api_queue', ApiMessageSchema, onApiMessage, config.controllerConcurrency);
      await broker.consume('callback_queue', CallbackMessageSchema, onCallback, config.controllerConcurrency);
      sweepTimer = setInterval(() => {
        sweeping ??= sweep().finally(() => (sweeping = undefined));
      }, config.sweepIntervalMs);
      log.info({ controllerId: deps.id }, 'controller started');
    },
    async stop(): Promise<void> {
      clearInterval(sweepTimer);
      await sweeping;
    },
  };
}
