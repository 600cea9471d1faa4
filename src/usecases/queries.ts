// What operators read: resources, a resource's transitions, a task, and the event stream's replay.
import type { Page } from '../db/read-repository.js';
import type { Resource, Task, Transition } from '../model.js';
import { notFound, type UseCaseDeps } from './deps.js';

export type { ResourceQuery as ListQuery } from '../db/read-repository.js';
import type { ResourceQuery as ListQuery } from '../db/read-repository.js';

/** A resource (of `type`, when given), or 404. */
export async function getResource(deps: UseCaseDeps, id: string, type?: string): Promise<Resource> {
  const r = await deps.reads.resource(id);
  if (!r || (type && r.type !== type)) throw notFound(`${type ?? 'resource'} ${id}`);
  return r;
}

export const listResources = (deps: UseCaseDeps, q: ListQuery): Promise<Page<Resource>> => deps.reads.resources(q);

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
