// The reads operators make (the API's GETs and the event stream's replay), through Prisma.
// Prisma types stop here: rows leave as domain objects, through the mappers in rows.ts.
import type { Resource, Task, Transition } from '../model.js';
import type { Db } from './db.js';
import { toResource, toTask, toTransition } from './rows.js';

export type Page<T> = { items: T[]; nextCursor: string | null };

export function makeReadRepository(db: Db) {
  const prisma = db.prisma;
  return {
    async resource(id: string): Promise<Resource | null> {
      const row = await prisma.resource.findUnique({ where: { id } });
      return row ? toResource(row) : null;
    },

    async resources(q: { type?: string; status?: string; limit: number; after?: string }): Promise<Page<Resource>> {
      const rows = await prisma.resource.findMany({
        where: { type: q.type, status: q.status, ...(q.after ? { id: { gt: q.after } } : {}) },
        orderBy: { id: 'asc' },
        take: q.limit + 1,
      });
      const items = rows.slice(0, q.limit).map(toResource);
      return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
    },

    async transitions(resourceId: string): Promise<Transition[]> {
      const rows = await prisma.transition.findMany({ where: { resourceId }, orderBy: { id: 'asc' } });
      return rows.map(toTransition);
    },

    /** Transitions after `afterId` (up to `upTo`), for a watcher resuming with Last-Event-ID. */
    async transitionsAfter(
      afterId: number,
      upTo: number | null,
      filter: { resourceId?: string; type?: string },
      limit: number,
    ): Promise<Transition[]> {
      const rows = await prisma.transition.findMany({
        where: {
          id: { gt: BigInt(afterId), ...(upTo !== null ? { lte: BigInt(upTo) } : {}) },
          resourceId: filter.resourceId,
          type: filter.type,
        },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map(toTransition);
    },

    async task(id: string): Promise<Task | null> {
      const t = await prisma.task.findUnique({ where: { id } });
      return t ? toTask(t) : null;
    },
  };
}

export type ReadRepository = ReturnType<typeof makeReadRepository>;
