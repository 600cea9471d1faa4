// The API's side of resources: create (with its outbox message, in one statement), spec
// changes with their preconditions (row locks), and the reads operators make (Prisma).
// Prisma types stop here.
import { PRIORITY, type ApiMessage, type Created } from '../broker/messages.js';
import { conflict, invalid, notFound } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { Json, Resource, Simulate, Task, Transition } from '../model.js';
import { makeBatcher } from '../batch.js';
import type { Db, Sql } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { insertOutbox, type OutboxRow } from './outbox-repository.js';
import { revokeTask } from './task-repository.js';
import { toResource } from './rows.js';

const fromPrisma = (r: Prisma.ResourceGetPayload<object>): Resource => ({
  ...r,
  properties: (r.properties ?? {}) as Json,
  simulate: (r.simulate ?? null) as Simulate | null,
});

export type NewResource = {
  type: string;
  name: string;
  status: string;
  spec: string;
  properties: Json;
  simulate: Simulate | null;
};
export type Page<T> = { items: T[]; nextCursor: string | null };
type Changed = { resource: Resource; outbox: OutboxRow[] };
type Ref = { id: string; type: string; status: string; spec: string };

const LIVE_VNF = `type = 'vnf' AND status NOT IN ('TERMINATED', 'DELETED')`;

// Resources and their api_queue messages, in one statement (requests arriving together share it).
const INSERT_RESOURCES = `
WITH r AS (
  INSERT INTO resources (id, type, name, status, spec, properties, simulate)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
  RETURNING *
), o AS (
  INSERT INTO outbox (exchange, routing_key, payload, priority)
  SELECT '', 'api_queue', jsonb_build_object('v', 1, 'kind', 'reconcile', 'resourceId', r.id), $8::int FROM r
  RETURNING id, (payload->>'resourceId')::uuid AS resource_id
)
SELECT r.*, o.id AS outbox_id FROM r JOIN o ON o.resource_id = r.id`;

async function insertResources(c: Sql, rows: (NewResource & { id: string })[]): Promise<Changed[]> {
  const res = await c.query({
    name: 'nfvo_insert_resources',
    text: INSERT_RESOURCES,
    values: [
      rows.map((r) => r.id),
      rows.map((r) => r.type),
      rows.map((r) => r.name),
      rows.map((r) => r.status),
      rows.map((r) => r.spec),
      rows.map((r) => JSON.stringify(r.properties)),
      rows.map((r) => (r.simulate ? JSON.stringify(r.simulate) : null)),
      PRIORITY.normal,
    ],
  });
  const byId = new Map(res.rows.map((row) => [row.id as string, row]));
  // the outbox row stays a plain "look at it"; the copy published now carries the row as inserted
  return rows.map((r) => {
    const row = byId.get(r.id)!;
    const { type, name, status, spec, version, properties, simulate, createdAt } = toResource(row);
    const created: Created = {
      type,
      name,
      status,
      spec,
      version,
      properties,
      simulate,
      createdAt: createdAt.toISOString(),
    };
    return changed(row, { v: 1, kind: 'reconcile', resourceId: r.id, created }, PRIORITY.normal);
  });
}
const UPDATE_SPEC = `
WITH r AS (
  UPDATE resources SET spec = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING *
), o AS (
  INSERT INTO outbox (exchange, routing_key, payload, priority) SELECT '', 'api_queue', $3::jsonb, $4 FROM r RETURNING id
)
SELECT r.*, (SELECT id FROM o) AS outbox_id FROM r`;

function changed(row: Record<string, unknown>, msg: ApiMessage, priority: number): Changed {
  return {
    resource: toResource(row),
    outbox: [{ id: Number(row.outbox_id), queue: 'api_queue', payload: msg, priority, delayMs: 0 }],
  };
}

/** A row known to exist (locked by the caller's transaction). */
async function readResource(c: Sql, id: string): Promise<Resource> {
  return toResource((await c.query('SELECT * FROM resources WHERE id = $1', [id])).rows[0]!);
}

async function lockRow(c: Sql, id: string, mode: 'UPDATE' | 'SHARE'): Promise<Ref | null> {
  const r = await c.query<Ref>(
    `SELECT id, type, status, spec FROM resources WHERE id = $1 FOR ${mode === 'UPDATE' ? 'UPDATE' : 'SHARE'}`,
    [id],
  );
  return r.rows[0] ?? null;
}

async function liveVnfUsing(c: Sql, ref: { id: string; type: string }): Promise<string | null> {
  const cond = ref.type === 'volume' ? `properties->'volumeIds' ? $1` : `properties->>'vnfPackageId' = $1`;
  const r = await c.query<{ id: string }>(`SELECT id FROM resources WHERE ${LIVE_VNF} AND ${cond} LIMIT 1`, [ref.id]);
  return r.rows[0]?.id ?? null;
}

const fieldError = (field: string, message: string) =>
  invalid(`${field}: ${message}`, { errors: [{ field, message }] });

/** Preconditions of a new vnf or acl on the resources it refers to (locked until commit). */
async function checkReferences(c: Sql, r: NewResource): Promise<void> {
  if (r.type === 'vnf') {
    const pkgId = r.properties.vnfPackageId as string;
    const pkg = await lockRow(c, pkgId, 'SHARE');
    if (!pkg || pkg.type !== 'vnf_package') throw fieldError('vnfPackageId', 'no vnf package with this id');
    if (pkg.status !== 'ONBOARDED' || pkg.spec !== 'ONBOARDED')
      throw conflict(
        `vnf package ${pkgId} is ${pkg.status}${pkg.spec !== pkg.status ? ` (spec ${pkg.spec})` : ''}; it must be ONBOARDED`,
      );
    for (const volId of (r.properties.volumeIds as string[] | undefined) ?? []) {
      const vol = await lockRow(c, volId, 'UPDATE');
      if (!vol || vol.type !== 'volume') throw fieldError('volumeIds', `no volume with id ${volId}`);
      if (vol.status !== 'AVAILABLE' || vol.spec !== 'AVAILABLE')
        throw conflict(`volume ${volId} is ${vol.status}; it must be AVAILABLE`);
      const user = await liveVnfUsing(c, vol);
      if (user) throw conflict(`volume ${volId} is attached to vnf ${user}`);
    }
  }
  if (r.type === 'acl' && r.properties.vnfId) {
    const vnf = await lockRow(c, r.properties.vnfId as string, 'SHARE');
    if (!vnf || vnf.type !== 'vnf') throw fieldError('vnfId', 'no vnf with this id');
    if (vnf.spec === 'DELETED' || vnf.status === 'DELETED') throw conflict(`vnf ${vnf.id} is being deleted`);
  }
}

const NEEDS_REFERENCES = (r: NewResource) => r.type === 'vnf' || (r.type === 'acl' && !!r.properties.vnfId);

/**
 * Writes take row locks and go through hand-written SQL (one statement where possible);
 * reads for operators go through Prisma.
 */
export function makeResourceRepository(db: Db) {
  const prisma = db.prisma;
  const insertBatched = makeBatcher((rows: (NewResource & { id: string })[]) => insertResources(db.pool, rows));

  return {
    async create(r: NewResource): Promise<Changed> {
      const row = { ...r, id: uuidv7() };
      if (!NEEDS_REFERENCES(r)) return insertBatched(row);
      return db.tx(async (c) => {
        await checkReferences(c, r);
        return (await insertResources(c, [row]))[0]!;
      });
    },

    /** Ask for a new spec (DELETED, TERMINATED); idempotent when already asked. */
    async requestSpec(id: string, spec: string, opts: { type?: string } = {}): Promise<Changed> {
      return db.tx(async (c) => {
        const cur = await lockRow(c, id, 'UPDATE');
        if (!cur || (opts.type && cur.type !== opts.type)) throw notFound(`${opts.type ?? 'resource'} ${id}`);
        if (cur.spec === 'DELETED' && spec !== 'DELETED') throw conflict(`${cur.type} ${id} is being deleted`);
        if (cur.spec === spec) return { resource: await readResource(c, id), outbox: [] };
        if (spec === 'DELETED' && (cur.type === 'vnf_package' || cur.type === 'volume')) {
          const user = await liveVnfUsing(c, cur);
          if (user)
            throw conflict(
              `${cur.type === 'volume' ? `volume ${id} is attached to` : `vnf package ${id} is used by`} vnf ${user}; delete or terminate the vnf first`,
              { usedBy: user },
            );
        }
        const msg: ApiMessage = { v: 1, kind: 'reconcile', resourceId: id };
        return changed(
          (await c.query(UPDATE_SPEC, [id, spec, JSON.stringify(msg), PRIORITY.operator])).rows[0]!,
          msg,
          PRIORITY.operator,
        );
      });
    },

    /** Retry a resource in ERROR: the controller moves it back to where it failed. */
    async requestRetry(id: string): Promise<Changed> {
      return db.tx(async (c) => {
        const cur = await lockRow(c, id, 'UPDATE');
        if (!cur) throw notFound(`resource ${id}`);
        if (cur.status !== 'ERROR')
          throw conflict(`${cur.type} ${id} is ${cur.status}, not ERROR; only a resource in ERROR can be retried`);
        const msg: ApiMessage = { v: 1, kind: 'retry', resourceId: id };
        const [row] = await insertOutbox(c, [{ queue: 'api_queue', payload: msg, priority: PRIORITY.operator }]);
        return { resource: await readResource(c, id), outbox: [row!] };
      });
    },

    /** Revoke an unfinished task; the controller then puts its resource in ERROR and releases it. */
    async requestRevoke(taskId: string): Promise<{ taskId: string; resourceId: string; outbox: OutboxRow[] }> {
      return db.tx(async (c) => {
        const r = await revokeTask(c, taskId, 'revoked by an operator');
        if (!r) throw notFound(`task ${taskId}`);
        if (!r.revoked) throw conflict(`task ${taskId} is ${r.before}; only a queued or running task can be revoked`);
        // a controller plan decided before the revoke (a retry, a take-over) must not overwrite it
        await c.query('UPDATE resources SET version = version + 1, updated_at = now() WHERE id = $1', [r.resourceId]);
        const outbox = await insertOutbox(c, [
          {
            queue: 'api_queue',
            payload: { v: 1, kind: 'reconcile', resourceId: r.resourceId } satisfies ApiMessage,
            priority: PRIORITY.operator,
          },
        ]);
        return { taskId, resourceId: r.resourceId, outbox };
      });
    },

    async get(id: string): Promise<Resource | null> {
      const row = await prisma.resource.findUnique({ where: { id } });
      return row ? fromPrisma(row) : null;
    },

    async list(q: { type?: string; status?: string; limit: number; after?: string }): Promise<Page<Resource>> {
      const rows = await prisma.resource.findMany({
        where: { type: q.type, status: q.status, ...(q.after ? { id: { gt: q.after } } : {}) },
        orderBy: { id: 'asc' },
        take: q.limit + 1,
      });
      const items = rows.slice(0, q.limit).map(fromPrisma);
      return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
    },

    async transitions(resourceId: string): Promise<Transition[]> {
      const rows = await prisma.transition.findMany({ where: { resourceId }, orderBy: { id: 'asc' } });
      return rows.map((t) => ({ ...t, id: Number(t.id) }));
    },

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
      return rows.map((t) => ({ ...t, id: Number(t.id) }));
    },

    async task(id: string): Promise<Task | null> {
      const t = await prisma.task.findUnique({ where: { id } });
      if (!t) return null;
      return {
        ...t,
        state: t.state as Task['state'],
        step: t.step as Task['step'],
        result: (t.result ?? null) as Json | null,
        progress: (t.progress ?? null) as Json | null,
      };
    },
  };
}

export type ResourceRepository = ReturnType<typeof makeResourceRepository>;
