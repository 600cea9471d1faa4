// The transactional outbox: rows written with the change that caused them. Every outbox row
// is written by OUTBOX_INSERT, alone (insertOutbox) or inside the statement of that change.
import type { QueueName } from '../broker/topology.js';
import type { Sql } from './db.js';

export type OutboxInsert = { queue: QueueName; payload: unknown; priority?: number; delayMs?: number };
export type OutboxRow = { id: number; queue: QueueName; payload: unknown; priority: number; delayMs: number };

/**
 * The one INSERT of outbox rows, from `source`: a query (or CTE name) yielding the columns
 * queue, payload, priority, delay_ms. Returns id and payload of each row.
 */
export const OUTBOX_INSERT = (source: string) => `
  INSERT INTO outbox (exchange, routing_key, payload, priority, available_at)
  SELECT '', m.queue, m.payload, m.priority, now() + m.delay_ms * interval '1 millisecond'
    FROM (${source}) AS m(queue, payload, priority, delay_ms)
  RETURNING id, payload`;

const delayOf = (m: OutboxInsert) => Math.max(0, Math.round(m.delayMs ?? 0));

/** An outbox row as written, given the id its INSERT returned. */
export const written = (m: OutboxInsert, id: number): OutboxRow => ({
  id,
  queue: m.queue,
  payload: m.payload,
  priority: m.priority ?? 0,
  delayMs: delayOf(m),
});

/** The values OUTBOX_INSERT takes from a message, in its columns' order. */
export const outboxValues = (m: OutboxInsert) => [m.queue, JSON.stringify(m.payload), m.priority ?? 0, delayOf(m)];

/** Write one outbox row (within the caller's transaction). */
export async function insertOutbox(c: Sql, m: OutboxInsert): Promise<OutboxRow> {
  const r = await c.query<{ id: number }>({
    name: 'nfvo_outbox_insert',
    text: OUTBOX_INSERT('SELECT $1::text, $2::jsonb, $3::int, $4::int'),
    values: outboxValues(m),
  });
  return written(m, r.rows[0]!.id);
}

// due: unsent, available, and either delayed or past its writer's grace
const DUE = `sent_at IS NULL AND available_at <= now()
        AND (available_at > created_at OR created_at < now() - $1 * interval '1 millisecond')`;

/** Whether any row is due (one statement, no transaction: what a relay asks on every pass). */
export async function anyDueOutbox(c: Sql, graceMs: number): Promise<boolean> {
  const r = await c.query<{ due: boolean }>({
    name: 'nfvo_outbox_due',
    text: `SELECT EXISTS (SELECT 1 FROM outbox WHERE ${DUE}) AS due`,
    values: [graceMs],
  });
  return r.rows[0]!.due;
}

/**
 * Lock due, unsent rows for publishing. A row published by its writer right after
 * commit is only picked up here once `graceMs` has passed (its writer may have died);
 * a delayed row is picked up when it falls due.
 */
export async function claimDueOutbox(c: Sql, limit: number, graceMs: number): Promise<OutboxRow[]> {
  const r = await c.query<{ id: number; routing_key: QueueName; payload: unknown; priority: number }>(
    `SELECT id, routing_key, payload, priority FROM outbox WHERE ${DUE}
      ORDER BY available_at, id
      LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [graceMs, limit],
  );
  return r.rows.map((x) => ({ id: x.id, queue: x.routing_key, payload: x.payload, priority: x.priority, delayMs: 0 }));
}

export async function markOutboxSent(c: Sql, ids: number[]): Promise<void> {
  if (ids.length)
    await c.query({
      name: 'nfvo_outbox_sent',
      text: 'UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[]) AND sent_at IS NULL',
      values: [ids],
    });
}

export async function purgeSentOutbox(c: Sql, olderThanMs: number, limit = 5_000): Promise<number> {
  const r = await c.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - $1 * interval '1 millisecond' LIMIT $2)`,
    [olderThanMs, limit],
  );
  return r.rowCount ?? 0;
}
