// The reads operators make (the API's GETs and the event stream's replay), through Prisma.
// Prisma types stop here: rows leave as domain objects, through the mappers in rows.ts.
import type { Resource, Task, Transition } from '../model.js';
import type { Db } from './db.js';
import { toResource, toTask, toTransition } from './rows.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A page of resources: by type, status, text (name or id), stuck (away from spec, unchanged since before), in id order. */
export type ResourceQuery = {
  type?: string;
  status?: string;
  q?: string;
  stuckBefore?: Date;
  order?: 'asc' | 'desc';
  limit: number;
  after?: string;
};

export type Page<T> = { items: T[]; nextCursor: string | null };

export function makeReadRepository(db: Db) {
  const prisma = db.prisma;
  return {
    async resource(id: string): Promise<Resource | null> {
      const row = await prisma.resource.findUnique({ where: { id } });
      return row ? toResource(row) : null;
    },

    async resources(q: ResourceQuery): Promise<Page<Resource>> {
      const desc = q.order === 'desc';
      const text = q.q?.trim();
      const rows = await prisma.resource.findMany({
        where: {
          type: q.type,
          status: q.status,
          ...(q.after ? { id: desc ? { lt: q.after } : { gt: q.after } } : {}),
          ...(text
            ? {
                OR: [
                  { name: { contains: text.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' } },
                  ...(UUID.test(text) ? [{ id: text }] : []),
                ],
              }
            : {}),
          ...(q.stuckBefore
            ? { NOT: { spec: { equals: prisma.resource.fields.status } }, updatedAt: { lt: q.stuckBefore } }
            : {}),
        },
        orderBy: { id: desc ? 'desc' : 'asc' },
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
