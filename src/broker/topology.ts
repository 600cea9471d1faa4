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
/** The exchange a deployment claims its namespace with (see deployment-claim.ts). */
export const CLAIM_EXCHANGE = 'nfvo.deployment';
export const ALL_EXCHANGES = [
  DEAD_LETTER_EXCHANGE,
  CLAIM_EXCHANGE,
  ...OWNED_QUEUES.flatMap((q) => [ownersExchange(q), sharedExchange(q)]),
];

/** `owner`: for an owned queue, deliver to that consumer's own queue if it has one. */
export type Route = { priority?: number; owner?: string };

/**
 * The queue type every queue of a deployment has (QUEUE_TYPE). Classic queues live on one
 * node; quorum queues are replicated over the cluster (Raft) and survive the loss of a
 * minority of its nodes. What nfvo asks of its queues, and how each type does it (RabbitMQ
 * 3.10's feature matrix for quorum queues):
 * - durable, never exclusive, never server-named: the same for both (quorum queues cannot be
 *   transient or exclusive);
 * - priorities: quorum queues have none (no x-max-priority), and nfvo needs none: an operator's
 *   messages go to a priority lane of their own (see PRIORITY);
 * - owners' queues: x-message-ttl (quorum: since 3.10) and x-expires (quorum: counted from
 *   when the last consumer left; a re-declaration does not renew it, which changes nothing here
 *   as an owner's name is its process's own) work for both;
 * - dead-lettering: classic queues dead-letter at most once (a message in transit to the
 *   dead-letter exchange is lost if a node fails). Quorum queues that dead-letter use
 *   x-dead-letter-strategy at-least-once, which needs x-overflow reject-publish (with no length
 *   limit set, nothing is ever refused for it);
 * - poison messages: a classic queue gives a message that crashes its consumer to the next one,
 *   forever. A quorum queue counts how often a message went back to it (a consumer's channel
 *   or connection lost while it held the message, or a nack with requeue) and dead-letters it
 *   past QUORUM_DELIVERY_LIMIT. nfvo's own retries do not count: a failed handler's message is
 *   published again as a new one (failure-policy.ts, up to MAX_FAILED_DELIVERIES), and on a
 *   quorum queue the consumer does the same for a message it keeps while a backing service is
 *   down, instead of a nack. So the limit only stops a message that keeps killing consumers;
 * - deleting an owner's queue "if empty": quorum queues refuse the if-empty flag (and RabbitMQ
 *   closes the whole connection for it); the consumer checks the queue's depth, then deletes.
 * A queue's type cannot change: one that exists with the other type is refused (406), and
 * assert() says which and how to migrate.
 */
export const QUEUE_TYPES = ['classic', 'quorum'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];
/** Returns to a quorum queue after which a message is dead-lettered (see QUEUE_TYPES). */
export const QUORUM_DELIVERY_LIMIT = 20;

/** What a queue is for, which decides its arguments. */
export type QueueRole = 'lane' | 'dead-letter' | 'owner' | 'claim';

/**
 * The arguments nfvo declares a queue with: `deadLetterExchange` is where it dead-letters to
 * (none for the dead-letter queue itself). Pure, so both types can be read and tested alone.
 */
export function queueArguments(type: QueueType, role: QueueRole, deadLetterExchange?: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (type === 'quorum') args['x-queue-type'] = 'quorum';
  if (role === 'owner') {
    args['x-message-ttl'] = OWNED_TTL_MS;
    args['x-expires'] = OWNED_EXPIRES_MS;
  }
  if (deadLetterExchange) {
    args['x-dead-letter-exchange'] = deadLetterExchange;
    if (type === 'quorum') {
      args['x-dead-letter-strategy'] = 'at-least-once';
      args['x-overflow'] = 'reject-publish';
    }
  }
  // not on the dead-letter queue nor the claim's: a look at them takes messages and gives them back
  if (type === 'quorum' && role !== 'dead-letter' && role !== 'claim') args['x-delivery-limit'] = QUORUM_DELIVERY_LIMIT;
  return args;
}

/**
 * The error for a queue RabbitMQ refused to declare (406 PRECONDITION_FAILED: it exists with
 * other arguments), saying what to do about it.
 */
export function inequivalentQueueError(queue: string, wanted: QueueType, err: unknown): Error {
  const said = err instanceof Error ? err.message : String(err);
  if (/'x-queue-type'/.test(said)) {
    // "received the value 'quorum' ... but current is none", or "received none but current is the value 'quorum'"
    const current = /current is the value 'quorum'/.test(said) ? 'quorum' : 'classic';
    return new Error(
      `queue ${queue} exists as a ${current} queue, but QUEUE_TYPE is ${wanted}, and a queue's type cannot change. ` +
        `To migrate: stop every nfvo process of this deployment (the API keeps requests in the outbox meanwhile), ` +
        `let the queue drain or move its messages elsewhere (a shovel), delete it (rabbitmqctl delete_queue ${queue}), ` +
        `do the same for its other queues, and start nfvo with QUEUE_TYPE=${wanted}; or keep QUEUE_TYPE=${current}`,
      { cause: err },
    );
  }
  return new Error(
    `queue ${queue} exists with other arguments (${said.replace(/^.*PRECONDITION_FAILED - /, '').replace(/"$/, '')}); ` +
      `an earlier nfvo declared it otherwise (with x-max-priority, before the priority lanes). ` +
      `Let it drain, delete it (rabbitmqctl delete_queue ${queue}) and start again`,
    { cause: err },
  );
}

/** The names of one deployment's topology: everything under its prefix, and its queues' type. */
export class Topology {
  constructor(
    readonly prefix: string,
    readonly queueType: QueueType = 'classic',
  ) {}

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

  /** Declare one queue; a 406 (it exists otherwise) becomes an error that says what to do. */
  private async declare(ch: Channel, queue: string, role: QueueRole, deadLetterExchange?: string): Promise<void> {
    try {
      await ch.assertQueue(queue, {
        durable: true,
        arguments: queueArguments(this.queueType, role, deadLetterExchange),
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 406) throw err;
      // the channel is closed by now; the reconnect loop logs this and tries again
      throw inequivalentQueueError(queue, this.queueType, err);
    }
  }

  /** Declare the exchanges and queues (idempotent; arguments must match an existing queue's). */
  async assert(ch: Channel): Promise<void> {
    await ch.assertExchange(this.dlx, 'fanout', { durable: true });
    await this.declare(ch, this.q(DEAD_LETTER_QUEUE), 'dead-letter');
    await ch.bindQueue(this.q(DEAD_LETTER_QUEUE), this.dlx, '');
    for (const name of QUEUES) {
      for (const lane of lanesOf(name)) await this.declare(ch, this.q(lane), 'lane', this.dlx);
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
    await this.declare(ch, queue, 'owner', this.q(sharedExchange(name)));
    await ch.bindQueue(queue, this.q(ownersExchange(name)), owner);
    return queue;
  }

  /** The queues a consumer of `queue` reads, priority lane first (its own queue is added by the consumer). */
  lanes(queue: QueueName): string[] {
    return lanesOf(queue).map((lane) => this.q(lane));
  }
}
