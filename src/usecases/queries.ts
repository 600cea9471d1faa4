// What operators read: resources, a resource's transitions, a task, and the event stream's replay.
import type { Page } from '../db/read-repository.js';
import type { Resource, Task, Transition } from '../model.js';
import { AppError } from '../errors.js';
import { notFound, type UseCaseDeps } from './deps.js';

import type { ResourceQuery } from '../db/read-repository.js';

/** A page of resources; `stuck`: only those away from their spec and unchanged for longer than the threshold. */
export type ListQuery = Omit<ResourceQuery, 'stuckBefore'> & { stuck?: boolean };

/** A resource (of `type`, when given), or 404. */
export async function getResource(deps: UseCaseDeps, id: string, type?: string): Promise<Resource> {
  const r = await deps.reads.resource(id);
  if (!r || (type && r.type !== type)) throw notFound(`${type ?? 'resource'} ${id}`);
  return r;
}

export function listResources(deps: UseCaseDeps, { stuck, ...q }: ListQuery): Promise<Page<Resource>> {
  if (!stuck) return deps.reads.resources(q);
  const stuckAfterS = deps.fleet?.stuckAfterS;
  if (stuckAfterS === undefined)
    throw new AppError('unavailable', 503, 'this process does not know when a resource is stuck');
  return deps.reads.resources({ ...q, stuckBefore: new Date(Date.now() - stuckAfterS * 1000) });
}

export async function resourceTransitions(deps: UseCaseDeps, id: string): Promise<Transition[]> {
  await getResource(deps, id);
  return deps.reads.transitions(id);
}

export async function getTask(deps: UseCaseDeps, id: string): Promise<Task> {
  const t = await deps.reads.task(id);
  if (!t) throw notFound(`task ${id}`);
  return t;
}

/** Transitions after a watcher's Last-Event-ID, up to where its live feed starts. */
export const transitionsAfter = (
  deps: UseCaseDeps,
  afterId: number,
  upTo: number | null,
  filter: { resourceId?: string; type?: string },
  limit: number,
): Promise<Transition[]> => deps.reads.transitionsAfter(afterId, upTo, filter, limit);
