// What nfvo declares in RabbitMQ, and where a message goes: queue names, the priority lanes,
// the owners' queues, the dead-letter queue. Names are given without the QUEUE_PREFIX.
import type { Channel } from 'amqplib';

export const QUEUES = ['api_queue', 'work_queue', 'callback_queue'] as const;
export type QueueName = (typeof QUEUES)[number];
export const DEAD_LETTER_QUEUE = 'dead_letter';
/** Where rejected messages go, with their reason, on their way to DEAD_LETTER_QUEUE. */
export const DEAD_LETTER_EXCHANGE = 'nfvo.dlx';

/**
 * Publish priorities: operator-initiated deletes and retries overtake a backlog of creates.
 * Each queue has a second lane in RabbitMQ for them (plain queues: a priority queue costs
 * the broker about twice the CPU per message); consumers take from both lanes, each with
 * its own prefetch window, so a priority message never waits behind a backlog.
 */
export const PRIORITY = { normal: 0, operator: 5 } as const;
const PRIORITY_LANE = '.priority';
/** The lane a message of this priority goes to. */
export const laneOf = (queue: QueueName, priority = 0): string => (priority > 0 ? queue + PRIORITY_LANE : queue);
/** Both lanes of a queue, the priority lane first. */
export const lanesOf = (queue: QueueName): string[] => [laneOf(queue, PRIORITY.operator), laneOf(queue)];
/** Every queue nfvo declares, without its prefix (owners' queues expire on their own). */
export const ALL_QUEUES = [...QUEUES.flatMap(lanesOf), DEAD_LETTER_QUEUE];

/**
 * Owned queues: a consumer may also have its own queue of a shared one, for the messages
 * meant for it (callback_queue: each controller gets the callbacks of the steps it
 * dispatched, and decides from what it committed instead of reading the resource again).
 * A message for an owner goes to the `.owners` exchange with the owner as routing key; when
 * the owner has no queue, the exchange's alternate exchange (`.shared`) routes it to the
 * shared queue. An owner's queue dead-letters what waited there longer than OWNED_TTL_MS
 * into the shared queue too. An owner that stops unbinds its queue (and deletes it if it
 * is empty); one that dies leaves it bound, and RabbitMQ removes it OWNED_EXPIRES_MS after
 * its consumer left (a queue that expires drops what it holds, so this is far longer than
 * a callback can take to come back). Whatever happens to the owner, its messages reach
 * the shared queue within seconds.
 */
export const OWNED_QUEUES: readonly QueueName[] = ['callback_queue'];
export const OWNED_TTL_MS = 2_000;
export const OWNED_EXPIRES_MS = 24 * 3600_000;
export const ownersExchange = (queue: QueueName): string => `${queue}.owners`;
export const sharedExchange = (queue: QueueName): string => `${queue}.shared`;
export const ownerQueue = (queue: QueueName, owner: string): string => `${queue}.owner.${owner}`;
/** Every exchange nfvo declares, without its prefix. */
export const ALL_EXCHANGES = [
  DEAD_LETTER_EXCHANGE,
  ...OWNED_QUEUES.flatMap((q) => [ownersExchange(q), sharedExchange(q)]),
];

/** `owner`: for an owned queue, deliver to that consumer's own queue if it has one. */
export type Route = { priority?: number; owner?: string };

/** The names of one deployment's topology: everything under its prefix. */
export class Topology {
  constructor(readonly prefix: string) {}

  q(name: string): string {
    return this.prefix + name;
  }
  get dlx(): string {
    return this.q(DEAD_LETTER_EXCHANGE);
  }

  /** The exchange and routing key a message for `queue` is published with. */
  route(queue: QueueName, r: Route = {}): { exchange: string; routingKey: string } {
    if (r.owner && !r.priority && OWNED_QUEUES.includes(queue)) {
      return { exchange: this.q(ownersExchange(queue)), routingKey: r.owner };
    }
    return { exchange: '', routingKey: this.q(laneOf(queue, r.priority)) };
  }

  /** Declare the exchanges and queues (idempotent; arguments must match an existing queue's). */
  async assert(ch: Channel): Promise<void> {
    await ch.assertExchange(this.dlx, 'fanout', { durable: true });
    await ch.assertQueue(this.q(DEAD_LETTER_QUEUE), { durable: true });
    await ch.bindQueue(this.q(DEAD_LETTER_QUEUE), this.dlx, '');
    for (const name of QUEUES) {
      for (const lane of lanesOf(name)) {
        try {
          await ch.assertQueue(this.q(lane), { durable: true, arguments: { 'x-dead-letter-exchange': this.dlx } });
        } catch (err) {
          if ((err as { code?: number }).code !== 406) throw err;
          // the channel is closed by now; the reconnect loop logs this and tries again
          throw new Error(
            `queue ${this.q(lane)} exists with other arguments (an earlier nfvo declared it with x-max-priority); ` +
              `let it drain, delete it (rabbitmqctl delete_queue ${this.q(lane)}) and start again`,
            { cause: err },
          );
        }
      }
    }
    for (const name of OWNED_QUEUES) {
      await ch.assertExchange(this.q(sharedExchange(name)), 'fanout', { durable: true });
      await ch.bindQueue(this.q(laneOf(name)), this.q(sharedExchange(name)), '');
      await ch.assertExchange(this.q(ownersExchange(name)), 'direct', {
        durable: true,
        alternateExchange: this.q(sharedExchange(name)),
      });
    }
  }

  /** A consumer's own queue of an owned queue, bound under its name; the shared queue takes over what it does not consume. */
  async assertOwnerQueue(ch: Channel, name: QueueName, owner: string): Promise<string> {
    const queue = this.q(ownerQueue(name, owner));
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-message-ttl': OWNED_TTL_MS,
        'x-expires': OWNED_EXPIRES_MS,
        'x-dead-letter-exchange': this.q(sharedExchange(name)),
      },
    });
    await ch.bindQueue(queue, this.q(ownersExchange(name)), owner);
    return queue;
  }

  /** The queues a consumer of `queue` reads, priority lane first (its own queue is added by the consumer). */
  lanes(queue: QueueName): string[] {
    return lanesOf(queue).map((lane) => this.q(lane));
  }
}
