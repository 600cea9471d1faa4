// What an operator watches besides resources: the processes that report in, the queues and
// their dead letters, a resource's timeline of attempts, and the overview.
import type { ProcessRow } from '../db/process-repository.js';
import type { AttemptSpan } from '../db/timeline-repository.js';
import type { StatusCount, Stuck } from '../db/overview-repository.js';
import { AppError, notFound } from '../errors.js';
import type { UseCaseDeps } from './deps.js';
import { getResource } from './queries.js';

/** What the use cases read of the fleet (bound to the database). */
export type FleetReads = {
  processes(offlineAfterS: number): Promise<ProcessRow[]>;
  attempts(resourceId: string, limit: number): Promise<AttemptSpan[]>;
  counts(): Promise<StatusCount[]>;
  transitionsPerMinute(minutes: number): Promise<{ at: Date; count: number }[]>;
  failedSince(minutes: number): Promise<number>;
  oldestAway(): Promise<Stuck | null>;
  onlineByRole(offlineAfterS: number): Promise<{ role: string; count: number }[]>;
};

export type { ProcessRow } from '../db/process-repository.js';
export type { AttemptSpan } from '../db/timeline-repository.js';

export type QueueStats = { name: string; messages: number; consumers: number };
export type DeadLetter = { id: string; queue: string | null; reason: string | null; payload: unknown };

/** What the use cases may do with RabbitMQ for an operator. */
export type BrokerView = {
  queueStats(): Promise<QueueStats[]>;
  deadLetters(limit: number): Promise<{ items: DeadLetter[]; total: number }>;
  settleDeadLetter(id: string, action: 'requeue' | 'discard'): Promise<DeadLetter | null>;
};

/** The fleet's settings: when a process counts as offline, a resource as stuck. */
export type FleetDeps = { reads: FleetReads; broker?: BrokerView; offlineAfterS: number; stuckAfterS: number };

function fleetOf(deps: UseCaseDeps): FleetDeps {
  if (!deps.fleet) throw new AppError('unavailable', 503, 'this process does not serve the fleet');
  return deps.fleet;
}

function brokerOf(deps: UseCaseDeps): BrokerView {
  const b = fleetOf(deps).broker;
  if (!b) throw new AppError('unavailable', 503, 'this process has no broker connection');
  return b;
}

/** The broker's own errors (RabbitMQ away) are a 503 the client can retry. */
async function viaBroker<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('unavailable', 503, `RabbitMQ: ${(err as Error).message}`, true, undefined, { cause: err });
  }
}

export const listProcesses = (deps: UseCaseDeps) => {
  const f = fleetOf(deps);
  return f.reads.processes(f.offlineAfterS);
};

export const listQueues = (deps: UseCaseDeps) => viaBroker(() => brokerOf(deps).queueStats());

export const listDeadLetters = (deps: UseCaseDeps, limit: number) => viaBroker(() => brokerOf(deps).deadLetters(limit));

export async function settleDeadLetter(deps: UseCaseDeps, id: string, action: 'requeue' | 'discard') {
  const done = await viaBroker(() => brokerOf(deps).settleDeadLetter(id, action));
  if (!done) throw notFound(`dead letter ${id}`);
  return done;
}

export async function resourceAttempts(deps: UseCaseDeps, id: string, limit = 500): Promise<AttemptSpan[]> {
  await getResource(deps, id);
  return fleetOf(deps).reads.attempts(id, limit);
}

export async function overview(deps: UseCaseDeps) {
  const { reads } = fleetOf(deps);
  const [resources, perMinute, failed, stuck] = await Promise.all([
    reads.counts(),
    reads.transitionsPerMinute(60),
    reads.failedSince(60),
    reads.oldestAway(),
  ]);
  return { resources, transitionsPerMinute: perMinute, failedLastHour: failed, oldestStuck: stuck };
}
