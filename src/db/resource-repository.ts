// The API's side of resources, through Prisma: create (with the outbox message, in one
// transaction), spec changes with their preconditions, reads. Prisma types stop here.
import { PRIORITY, type ApiMessage } from '../broker/messages.js';
import { conflict, invalid, notFound } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { Json, Resource, Simulate, Task, Transition } from '../model.js';
import type { Db } from './db.js';
import { Prisma, type PrismaClient } from './generated/prisma/client.js';
import type { OutboxRow } from './outbox-repository.js';

type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;
type ResourceRow = Prisma.ResourceGetPayload<object>;

export type NewResource = { type: string; name: string; status: string; spec: string; properties: Json; simulate: Simulate | null };
export type Page<T> = { items: T[]; nextCursor: string | null };

const LIVE_VNF = `type = 'vnf' AND status NOT IN ('TERMINATED', 'DELETED')`;

function toResource(r: ResourceRow): Resource {
  return { ...r, properties: (r.properties ?? {}) as Json, simulate: (r.simulate ?? null) as Simulate | null };
}

async function enqueue(tx: Tx, msg: ApiMessage, priority: number): Promise<OutboxRow> {
  const row = await tx.outboxMessage.create({ data: { exchange: '', routingKey: 'api_queue', payload: msg, priority }, select: { id: true } });
  return { id: Number(row.id), queue: 'api_queue', payload: msg, priority, delayMs: 0 };
}

/** Lock a row (FOR UPDATE or FOR SHARE) and read it; null when absent. */
async function lockRow(tx: Tx, id: string, mode: 'UPDATE' | 'SHARE'): Promise<{ id: string; type: string; status: string; spec: string } | null> {
  const rows = mode === 'UPDATE'
    ? await tx.$queryRaw<{ id: string; type: string; status: string; spec: string }[]>`SELECT id::text, type, status, spec FROM resources WHERE id = ${id}::uuid FOR UPDATE`
    : await tx.$queryRaw<{ id: string; type: string; status: string; spec: string }[]>`SELECT id::text, type, status, spec FROM resources WHERE id = ${id}::uuid FOR SHARE`;
  return rows[0] ?? null;
}

export function makeResourceRepository(db: Db) {
  const prisma = db.prisma;

  /** Preconditions of a new vnf or acl on the resources it refers to (locked until commit). */
  async function checkReferences(tx: Tx, r: NewResource): Promise<void> {
    if (r.type === 'vnf') {
      const pkgId = r.properties.vnfPackageId as string;
      const pkg = await lockRow(tx, pkgId, 'SHARE');
      if (!pkg || pkg.type !== 'vnf_package') throw invalid('vnfPackageId: no vnf package with this id', { errors: [{ field: 'vnfPackageId', message: 'no vnf package with this id' }] });
      if (pkg.status !== 'ONBOARDED' || pkg.spec !== 'ONBOARDED') throw conflict(`vnf package ${pkgId} is ${pkg.status}${pkg.spec !== pkg.status ? ` (spec ${pkg.spec})` : ''}; it must be ONBOARDED`);
      for (const volId of (r.properties.volumeIds as string[] | undefined) ?? []) {
        const vol = await lockRow(tx, volId, 'UPDATE');
        if (!vol || vol.type !== 'volume') throw invalid('volumeIds: no volume with this id', { errors: [{ field: 'volumeIds', message: `no volume with id ${volId}` }] });
        if (vol.status !== 'AVAILABLE' || vol.spec !== 'AVAILABLE') throw conflict(`volume ${volId} is ${vol.status}; it must be AVAILABLE`);
        const users = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text FROM resources WHERE ${LIVE_VNF} AND properties->'volumeIds' ? $1 LIMIT 1`, volId);
        if (users[0]) throw conflict(`volume ${volId} is attached to vnf ${users[0].id}`);
      }
    }
    if (r.type === 'acl' && r.properties.vnfId) {
      const vnf = await lockRow(tx, r.properties.vnfId as string, 'SHARE');
      if (!vnf || vnf.type !== 'vnf') throw invalid('vnfId: no vnf with this id', { errors: [{ field: 'vnfId', message: 'no vnf with this id' }] });
      if (vnf.spec === 'DELETED' || vnf.status === 'DELETED') throw conflict(`vnf ${vnf.id} is being deleted`);
    }
  }

  /** Preconditions of deleting a resource others depend on. */
  async function checkNotInUse(tx: Tx, r: { id: string; type: string }): Promise<void> {
    if (r.type === 'vnf_package') {
      const users = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text FROM resources WHERE ${LIVE_VNF} AND properties->>'vnfPackageId' = $1 LIMIT 1`, r.id);
      if (users[0]) throw conflict(`vnf package ${r.id} is used by vnf ${users[0].id}; delete or terminate the vnf first`, { usedBy: users[0].id });
    }
    if (r.type === 'volume') {
      const users = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text FROM resources WHERE ${LIVE_VNF} AND properties->'volumeIds' ? $1 LIMIT 1`, r.id);
      if (users[0]) throw conflict(`volume ${r.id} is attached to vnf ${users[0].id}; delete or terminate the vnf first`, { usedBy: users[0].id });
    }
  }

  return {
    async create(r: NewResource): Promise<{ resource: Resource; outbox: OutboxRow[] }> {
      const id = uuidv7();
      return prisma.$transaction(async (tx) => {
        await checkReferences(tx, r);
        const row = await tx.resource.create({
          data: { id, type: r.type, name: r.name, status: r.status, spec: r.spec, properties: r.properties as Prisma.InputJsonValue, simulate: (r.simulate ?? Prisma.DbNull) as Prisma.InputJsonValue },
        });
        const out = await enqueue(tx, { v: 1, kind: 'reconcile', resourceId: id }, PRIORITY.normal);
        return { resource: toResource(row), outbox: [out] };
      });
    },

    /** Ask for a new spec (DELETED, TERMINATED); idempotent when already asked. */
    async requestSpec(id: string, spec: string, opts: { type?: string } = {}): Promise<{ resource: Resource; outbox: OutboxRow[] }> {
      return prisma.$transaction(async (tx) => {
        const cur = await lockRow(tx, id, 'UPDATE');
        if (!cur || (opts.type && cur.type !== opts.type)) throw notFound(`${opts.type ?? 'resource'} ${id}`);
        if (cur.spec === 'DELETED' && spec !== 'DELETED') throw conflict(`${cur.type} ${id} is being deleted`);
        if (cur.spec === spec) return { resource: toResource(await tx.resource.findUniqueOrThrow({ where: { id } })), outbox: [] };
        if (spec === 'DELETED') await checkNotInUse(tx, cur);
        const row = await tx.resource.update({ where: { id }, data: { spec, version: { increment: 1 }, updatedAt: new Date() } });
        const out = await enqueue(tx, { v: 1, kind: 'reconcile', resourceId: id }, PRIORITY.operator);
        return { resource: toResource(row), outbox: [out] };
      });
    },

    /** Retry a resource in ERROR: the controller moves it back to where it failed. */
    async requestRetry(id: string): Promise<{ resource: Resource; outbox: OutboxRow[] }> {
      return prisma.$transaction(async (tx) => {
        const cur = await lockRow(tx, id, 'UPDATE');
        if (!cur) throw notFound(`resource ${id}`);
        if (cur.status !== 'ERROR') throw conflict(`${cur.type} ${id} is ${cur.status}, not ERROR; only a resource in ERROR can be retried`);
        const out = await enqueue(tx, { v: 1, kind: 'retry', resourceId: id }, PRIORITY.operator);
        return { resource: toResource(await tx.resource.findUniqueOrThrow({ where: { id } })), outbox: [out] };
      });
    },

    async get(id: string): Promise<Resource | null> {
      const row = await prisma.resource.findUnique({ where: { id } });
      return row ? toResource(row) : null;
    },

    async list(q: { type?: string; status?: string; limit: number; after?: string }): Promise<Page<Resource>> {
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
      return rows.map((t) => ({ ...t, id: Number(t.id) }));
    },

    async transitionsAfter(afterId: number, upTo: number | null, filter: { resourceId?: string; type?: string }, limit: number): Promise<Transition[]> {
      const rows = await prisma.transition.findMany({
        where: { id: { gt: BigInt(afterId), ...(upTo !== null ? { lte: BigInt(upTo) } : {}) }, resourceId: filter.resourceId, type: filter.type },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map((t) => ({ ...t, id: Number(t.id) }));
    },

    async task(id: string): Promise<Task | null> {
      const t = await prisma.task.findUnique({ where: { id } });
      if (!t) return null;
      return { ...t, state: t.state as Task['state'], step: t.step as Task['step'], result: (t.result ?? null) as Json | null, progress: (t.progress ?? null) as Json | null };
    },
  };
}

export type ResourceRepository = ReturnType<typeof makeResourceRepository>;
