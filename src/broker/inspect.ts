// What an operator sees of RabbitMQ: each queue's depth and consumers, and the dead-letter
// queue's messages, one of which an admin can send back to its queue or discard.
//
// RabbitMQ has no way to read a queue without taking from it: the dead-letter queue is read
// with unacknowledged gets on a channel of its own, and what is not settled goes back to
// the queue, in its place, when that channel closes. While an operator looks, those messages
// are briefly out of the queue; nothing consumes the dead-letter queue, so nothing misses them.
import { createHash } from 'node:crypto';
import type { ChannelModel, GetMessage } from 'amqplib';
import { conflict } from '../errors.js';
import { ALL_QUEUES, DEAD_LETTER_QUEUE, OWNED_QUEUES, ownerQueue, type Topology } from './topology.js';

export type QueueStats = { name: string; messages: number; consumers: number };
export type DeadLetter = { id: string; queue: string | null; reason: string | null; payload: unknown };

/** A message's id: its message id, or a hash of its body when it was published without one. */
function idOf(m: GetMessage): string {
  const id = m.properties.messageId as unknown;
  return typeof id === 'string' && id
    ? id
    : `sha256-${createHash('sha256').update(m.content).digest('hex').slice(0, 24)}`;
}

const str = (v: unknown) => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null);

/** A channel of its own: an error RabbitMQ raises on it closes it alone, not the connection. */
async function open(conn: ChannelModel) {
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  return ch;
}

async function openConfirm(conn: ChannelModel) {
  const ch = await conn.createConfirmChannel();
  ch.on('error', () => {});
  return ch;
}

async function exists(conn: ChannelModel, queue: string): Promise<boolean> {
  const ch = await open(conn);
  try {
    await ch.checkQueue(queue);
    return true;
  } catch {
    return false;
  } finally {
    await ch.close().catch(() => {});
  }
}

export function makeInspector(topology: Topology) {
  /**
   * Where a dead letter goes back to: its queue, if it is one of this deployment's; a
   * controller's own callback queue (gone with it) becomes the shared one every controller reads.
   */
  const destinationOf = (source: string | null): string | null => {
    if (!source || !source.startsWith(topology.prefix)) return null;
    for (const q of OWNED_QUEUES) if (source.startsWith(topology.q(ownerQueue(q, '')))) return topology.q(q);
    return ALL_QUEUES.some((q) => topology.q(q) === source) ? source : null;
  };

  const unprefixed = (q: string | null) =>
    q && topology.prefix && q.startsWith(topology.prefix) ? q.slice(topology.prefix.length) : q;

  /** The queue a dead letter came from: nfvo's own header, or RabbitMQ's when it dead-lettered it itself. */
  const sourceOf = (m: GetMessage) =>
    str(m.properties.headers?.['x-nfvo-queue']) ?? str(m.properties.headers?.['x-first-death-queue']);

  function toDeadLetter(m: GetMessage): DeadLetter {
    let payload: unknown;
    try {
      payload = JSON.parse(m.content.toString('utf8'));
    } catch {
      payload = m.content.toString('utf8').slice(0, 4096);
    }
    return {
      id: idOf(m),
      queue: unprefixed(sourceOf(m)),
      reason: str(m.properties.headers?.['x-nfvo-reason']),
      payload,
    };
  }

  return {
    async queues(conn: ChannelModel): Promise<QueueStats[]> {
      const ch = await open(conn);
      try {
        const out: QueueStats[] = [];
        for (const name of ALL_QUEUES) {
          const q = await ch.checkQueue(topology.q(name));
          out.push({ name, messages: q.messageCount, consumers: q.consumerCount });
        }
        return out;
      } finally {
        await ch.close().catch(() => {});
      }
    },

    /** The first `limit` dead letters, and how many the queue holds. */
    async deadLetters(conn: ChannelModel, limit: number): Promise<{ items: DeadLetter[]; total: number }> {
      const ch = await open(conn);
      try {
        const { messageCount } = await ch.checkQueue(topology.q(DEAD_LETTER_QUEUE));
        const items: DeadLetter[] = [];
        for (let i = 0; i < Math.min(limit, messageCount); i++) {
          const m = await ch.get(topology.q(DEAD_LETTER_QUEUE), { noAck: false });
          if (!m) break;
          items.push(toDeadLetter(m));
        }
        return { items, total: messageCount };
      } finally {
        // unsettled: every message taken goes back
        await ch.close().catch(() => {});
      }
    },

    /**
     * Send the dead letter `id` back to the queue it came from (published and confirmed before
     * it leaves the dead-letter queue), or discard it. Null when no such message is there.
     */
    async settle(conn: ChannelModel, id: string, action: 'requeue' | 'discard'): Promise<DeadLetter | null> {
      const ch = await openConfirm(conn);
      try {
        const { messageCount } = await ch.checkQueue(topology.q(DEAD_LETTER_QUEUE));
        for (let i = 0; i < messageCount; i++) {
          const m = await ch.get(topology.q(DEAD_LETTER_QUEUE), { noAck: false });
          if (!m) return null;
          if (idOf(m) !== id) continue;
          const dl = toDeadLetter(m);
          if (action === 'requeue') {
            const source = destinationOf(sourceOf(m));
            if (!source) throw conflict(`dead letter ${id} names no queue of this deployment to go back to`);
            // published to a queue that is not there, it would be dropped, and confirmed all the same
            if (!(await exists(conn, source)))
              throw conflict(`dead letter ${id} came from ${unprefixed(source)}, which no longer exists`);
            const {
              'x-nfvo-reason': _r,
              'x-nfvo-queue': _q,
              'x-nfvo-deliveries': _d,
              'x-death': _x,
              ...headers
            } = m.properties.headers ?? {};
            ch.publish('', source, m.content, { ...m.properties, headers, persistent: true });
            await ch.waitForConfirms();
          }
          ch.ack(m);
          return dl;
        }
        return null;
      } finally {
        await ch.close().catch(() => {});
      }
    },
  };
}
