// The worker: consume work_queue -> run the action through the driver -> publish the
// success, error or pending callback -> ack. An attempt that is no longer current is skipped.
import { PoisonMessageError, type Broker } from '../broker/broker.js';
import { WorkMessageSchema, type WorkMessage } from '../broker/messages.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { makeBatcher } from '../batch.js';
import { heartbeats, startAttempts, type AttemptKey, type Beat } from '../db/task-repository.js';
import { errorMessage, isBackingServiceDown } from '../errors.js';
import { DriverError } from '../drivers/driver.js';
import { isActionName } from '../fsm/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { failed, fromError, fromOutcome, type Report } from './report.js';
import type { TaskList } from './tasks.js';

export type WorkerDeps = {
  id: string;
  db: Db;
  broker: Broker;
  tasks: TaskList;
  log: Logger;
  config: Config;
  metrics?: Metrics;
};

/** An error of nfvo's own store (not the VIM's): PostgreSQL unreachable, saturated, or a transient conflict. */
const isOwnStoreAway = (err: unknown) => !(err instanceof DriverError) && isBackingServiceDown(err);

export function makeWorker(deps: WorkerDeps) {
  const { db, broker, tasks, config } = deps;
  const leaseMs = config.leaseSeconds * 1000;
  // how often a running attempt renews its lease and checks it was not revoked
  const heartbeatMs = Math.min(2_000, Math.max(200, leaseMs / 3));
  // the attempts running now, aborted together when the process stops
  const running = new Set<AbortController>();
  let stopped = false;
  const start = makeBatcher((keys: AttemptKey[]) => startAttempts(db.pool, keys, heartbeatMs * 3, deps.id));
  // the heartbeats and progress of every running attempt, a round trip for many
  const heartbeat = makeBatcher((beats: Beat[]) => heartbeats(db.pool, beats), { maxBatch: 1000 });

  async function run(msg: WorkMessage, meta: { redelivered: boolean }): Promise<void> {
    const log = deps.log.child({
      resourceId: msg.resourceId,
      taskId: msg.taskId,
      action: msg.action,
      attempt: msg.attempt,
      ...(msg.check ? { check: msg.check } : {}),
    });
    // to the controller that dispatched the attempt (the shared callback queue if it is gone)
    const report = (cb: Report) => broker.publish('callback_queue', cb, { owner: msg.replyTo });
    if (!isActionName(msg.action)) {
      // fail loudly: the step fails for good (its resource goes to ERROR) and the message is dead-lettered
      log.error('unknown action');
      await report(failed(msg, `unknown action "${msg.action}"`, false));
      throw new PoisonMessageError(`unknown task "${msg.action}"`);
    }
    const fn = tasks[msg.action];
    const key = { taskId: msg.taskId, attempt: msg.attempt, check: msg.check };
    if (!(await start({ ...key, redelivered: meta.redelivered }))) {
      log.info('attempt is no longer current (done, superseded or revoked); skipped');
      return;
    }
    if (msg.expiresAt !== undefined && Date.now() > msg.expiresAt) {
      log.warn({ expiresAt: new Date(msg.expiresAt).toISOString() }, 'attempt expired before it ran; not run');
      await report(failed(msg, `${msg.action} expired before a worker ran it`, true, true));
      return;
    }
    log.debug('action started');
    const startedAt = Date.now();
    const m = deps.metrics;
    if (m && msg.dueAt) m.queueWait.observe({ action: msg.action }, Math.max(0, startedAt - msg.dueAt) / 1000);
    m?.inFlight.inc();
    const beatKey = { ...key, resourceId: msg.resourceId, leaseMs };
    // aborted when the process stops or the task is revoked
    const attemptAbort = new AbortController();
    // started while the process was stopping: aborted like those already running
    if (stopped) attemptAbort.abort(new Error('worker stopping'));
    running.add(attemptAbort);
    let settled = false;
    const beat = setInterval(() => {
      heartbeat(beatKey)
        .then((current) => {
          // a beat answered after the action ended finds the attempt settled: nothing to abort
          if (!current && !settled && !attemptAbort.signal.aborted) {
            log.warn('attempt revoked or superseded while running; aborting it');
            attemptAbort.abort(new Error('revoked'));
          }
        })
        .catch((err) => log.warn({ err: errorMessage(err) }, 'lease renewal failed'));
    }, heartbeatMs);
    let cb: Report;
    let retryLater: unknown;
    try {
      const step = msg.callbacks.success.nextTask;
      const outcome = await fn(msg.args, {
        taskId: msg.taskId,
        resourceId: msg.resourceId,
        resourceType: msg.resourceType,
        attempt: msg.attempt,
        idempotencyKey: msg.taskId,
        reEntrant: step.re_entrant,
        canWait: step.check !== null,
        previous: msg.args.previous,
        signal: attemptAbort.signal,
        log,
        progress: async (p) => {
          await heartbeat({ ...beatKey, progress: p });
        },
      });
      cb = fromOutcome(msg, outcome);
      if (cb.kind === 'success') log.info('action succeeded');
      else if (cb.kind === 'pending')
        log.info(
          { checkAfterS: outcome.status === 'in_progress' ? outcome.checkAfterS : undefined },
          'action in progress; to be checked again',
        );
      else log.warn({ err: cb.error }, 'action returned an invalid result');
    } catch (err) {
      if (isOwnStoreAway(err) && !attemptAbort.signal.aborted) {
        // nfvo's own database is away or saturated, not the VIM: no attempt of the step is spent;
        // the message goes back to the queue and the attempt runs again
        log.warn({ err: errorMessage(err) }, 'action could not reach the database; it will run again');
        retryLater = err;
      }
      cb = fromError(msg, err);
      if (!retryLater)
        log.warn({ err: errorMessage(err), retryable: cb.kind === 'error' && cb.retryable }, 'action failed');
    } finally {
      settled = true;
      clearInterval(beat);
      running.delete(attemptAbort);
      m?.inFlight.dec();
      m?.taskDuration.observe({ action: msg.action }, (Date.now() - startedAt) / 1000);
    }
    if (retryLater) throw retryLater;
    await report(cb);
  }

  return {
    async start(): Promise<void> {
      await broker.consume('work_queue', WorkMessageSchema, run, config.workerConcurrency);
      deps.log.info({ workerId: deps.id }, 'worker started');
    },
    async stop(): Promise<void> {
      stopped = true;
      for (const a of running) a.abort(new Error('worker stopping'));
    },
  };
}
