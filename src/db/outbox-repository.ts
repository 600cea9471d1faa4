// The transactional outbox: rows written with the change that caused them.
import type { QueueName } from '../broker/messages.js';
import type { Sql } from './db.js';

export type OutboxInsert = { queue: QueueName; payload: unknown; priority?: number; delayMs?: number };
export type OutboxRow = { id: number; queue: QueueName; payload: unknown; priority: number; delayMs: number };

export async function insertOutbox(c: Sql, msgs: OutboxInsert[]): Promise<OutboxRow[]> {
  const out: OutboxRow[] = [];
  for (const m of msgs) {
    const delayMs = Math.max(0, Math.round(m.delayMs ?? 0));
    const r = await c.query<{ id: number }>(
      `INSERT INTO outbox (exchange, routing_key, payload, priority, available_at)
       VALUES ('', $1, $2, $3, now() + $4 * interval '1 millisecond') RETURNING id`,
      [m.queue, JSON.stringify(m.payload), m.priority ?? 0, delayMs],
    );
    out.push({ id: r.rows[0]!.id, queue: m.queue, payload: m.payload, priority: m.priority ?? 0, delayMs });
  }
  return out;
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
