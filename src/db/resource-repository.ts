// The API's writes of resources, as SQL and nothing else: inserts with their outbox message
// in one statement, spec changes, and the row locks use cases take to check preconditions.
// The rules themselves live in src/usecases.
import { makeBatcher } from '../batch.js';
import type { Json, Resource } from '../model.js';
import type { Db, Sql } from './db.js';
import {
  insertOutbox,
  OUTBOX_INSERT,
  outboxValues,
  written,
  type OutboxInsert,
  type OutboxRow,
} from './outbox-repository.js';
import { RESOURCE_COLS, toResource, type ResourceRow } from './rows.js';
import { revokeTask } from './task-repository.js';

export type NewResource = {
  /** What it waits for before its first step (a package's content), or null. */
  awaiting?: string | null;
  type: string;
  name: string;
  status: string;
  spec: string;
  properties: Json;
  options: Json | null;
};
/** A resource as a write left it, and the outbox rows written with it. */
export type Written = { resource: Resource; outbox: OutboxRow[] };
/** What a use case checks on a row it locked. */
export type RowRef = { id: string; type: string; status: string; spec: string };

// Resources and their outbox messages, in one statement (requests arriving together share it).
const INSERT_RESOURCES = `
WITH r AS (
  INSERT INTO resources AS r (id, type, name, status, spec, properties, driver_options, awaiting)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[])
  RETURNING ${RESOURCE_COLS}
), o AS (${OUTBOX_INSERT('SELECT * FROM unnest($9::text[], $10::jsonb[], $11::int[], $12::int[])')})
SELECT r.*, o.id AS "outboxId" FROM r JOIN o ON (o.payload->>'resourceId')::uuid = r.id`;

export type Insert = { resource: NewResource & { id: string }; msg: OutboxInsert };

async function insertResources(c: Sql, items: Insert[]): Promise<Written[]> {
  const rs = items.map((i) => i.resource);
  const ms = items.map((i) => outboxValues(i.msg));
  const res = await c.query<ResourceRow & { outboxId: number }>({
    name: 'nfvo_insert_resources',
    text: INSERT_RESOURCES,
    values: [
      rs.map((r) => r.id),
      rs.map((r) => r.type),
      rs.map((r) => r.name),
      rs.map((r) => r.status),
      rs.map((r) => r.spec),
      rs.map((r) => JSON.stringify(r.properties)),
      rs.map((r) => (r.options ? JSON.stringify(r.options) : null)),
      rs.map((r) => r.awaiting ?? null),
      ...[0, 1, 2, 3].map((k) => ms.map((m) => m[k])),
    ],
  });
  const byId = new Map(res.rows.map((row) => [row.id, row]));
  return items.map(({ resource, msg }) => {
    const row = byId.get(resource.id)!;
    return { resource: toResource(row), outbox: [written(msg, Number(row.outboxId))] };
  });
}

// A user's change of a resource's name, properties or what it awaits (e.g. a package's content given).
const UPDATE_GIVEN = `
WITH r AS (
  UPDATE resources AS r SET name = COALESCE($2, r.name), properties = r.properties || $3::jsonb, awaiting = $4,
         version = r.version + 1, updated_at = now()
   WHERE r.id = $1 RETURNING ${RESOURCE_COLS}
), o AS (${OUTBOX_INSERT('SELECT $5::text, $6::jsonb, $7::int, $8::int FROM r')})
SELECT r.*, (SELECT id FROM o) AS "outboxId" FROM r`;

const UPDATE_SPEC = `
WITH r AS (
  UPDATE resources AS r SET spec = $2, spec_at = now(), version = r.version + 1, updated_at = now()
   WHERE r.id = $1 RETURNING ${RESOURCE_COLS}
), o AS (${OUTBOX_INSERT('SELECT $3::text, $4::jsonb, $5::int, $6::int FROM r')})
SELECT r.*, (SELECT id FROM o) AS "outboxId" FROM r`;

/** The statements a use case runs inside one transaction. */
export type ResourceTx = {
  /** Lock a row (UPDATE: to change it; SHARE: so it does not change until commit); null if it does not exist. */
  lock(id: string, mode: 'UPDATE' | 'SHARE'): Promise<RowRef | null>;
  /** A live vnf (not terminated or deleted) using this volume or vnf package, if any. */
  liveVnfUsing(ref: { id: string; type: string }): Promise<string | null>;
  insert(resource: NewResource & { id: string }, msg: OutboxInsert): Promise<Written>;
  updateSpec(id: string, spec: string, msg: OutboxInsert): Promise<Written>;
  /** Merge `properties` into the resource's, set what it awaits (null: nothing) and its name if given. */
  updateGiven(
    id: string,
    given: { name?: string; properties: Json; awaiting: string | null },
    msg: OutboxInsert,
  ): Promise<Written>;
  read(id: string): Promise<Resource>;
  /** Move the version on, so a controller plan decided before this transaction does not overwrite it. */
  bumpVersion(id: string): Promise<void>;
  enqueue(msg: OutboxInsert): Promise<OutboxRow>;
  revokeTask(taskId: string, reason: string): ReturnType<typeof revokeTask>;
};

function resourceTx(c: Sql): ResourceTx {
  return {
    async lock(id, mode) {
      const r = await c.query<RowRef>(`SELECT id, type, status, spec FROM resources WHERE id = $1 FOR ${mode}`, [id]);
      return r.rows[0] ?? null;
    },
    async liveVnfUsing(ref) {
      const cond = ref.type === 'volume' ? `properties->'volumeIds' ? $1` : `properties->>'vnfPackageId' = $1`;
      const r = await c.query<{ id: string }>(
        `SELECT id FROM resources WHERE type = 'vnf' AND status NOT IN ('TERMINATED', 'DELETED') AND ${cond} LIMIT 1`,
        [ref.id],
      );
      return r.rows[0]?.id ?? null;
    },
    async insert(resource, msg) {
      return (await insertResources(c, [{ resource, msg }]))[0]!;
    },
    async updateSpec(id, spec, msg) {
      const row = (await c.query<ResourceRow & { outboxId: number }>(UPDATE_SPEC, [id, spec, ...outboxValues(msg)]))
        .rows[0]!;
      return { resource: toResource(row), outbox: [written(msg, Number(row.outboxId))] };
    },
    async updateGiven(id, given, msg) {
      const values = [id, given.name ?? null, JSON.stringify(given.properties), given.awaiting, ...outboxValues(msg)];
      const row = (await c.query<ResourceRow & { outboxId: number }>(UPDATE_GIVEN, values)).rows[0]!;
      return { resource: toResource(row), outbox: [written(msg, Number(row.outboxId))] };
    },
    async read(id) {
      return toResource(
        (await c.query<ResourceRow>(`SELECT ${RESOURCE_COLS} FROM resources r WHERE id = $1`, [id])).rows[0]!,
      );
    },
    async bumpVersion(id) {
      await c.query('UPDATE resources SET version = version + 1, updated_at = now() WHERE id = $1', [id]);
    },
    enqueue: (msg) => insertOutbox(c, msg),
    revokeTask: (taskId, reason) => revokeTask(c, taskId, reason),
  };
}

export function makeResourceStore(db: Db) {
  return {
    /** Insert one resource with its message; creates arriving together share one statement. */
    insert: makeBatcher((items: Insert[]) => insertResources(db.pool, items)),
    /** Run fn's statements in one transaction. */
    tx: <T>(fn: (t: ResourceTx) => Promise<T>): Promise<T> => db.tx((c) => fn(resourceTx(c))),
  };
}

export type ResourceStore = ReturnType<typeof makeResourceStore>;
