// Consuming: a channel per consumer, JSON validated on receipt, acks after the handler,
// dead-lettering with a reason, and a bounded wait for messages in flight when stopping.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { within } from '../within.js';
import { Acker } from './acker.js';
import { onHandlerFailure, type IsTransient } from './failure-policy.js';
import type { Publisher } from './publisher.js';
import { DEPLOYMENT_HEADER } from './deployment-claim.js';
import { ownerQueue, ownersExchange, type QueueName, type Topology } from './topology.js';

export type Handler<T> = (msg: T, meta: { redelivered: boolean; deliveries: number }) => Promise<void>;

export type ConsumerSpec = {
  queue: QueueName;
  schema: z.ZodType;
  handler: Handler<unknown>;
  prefetch: number;
  owner?: string;
  channel?: Channel;
  tags: string[];
};

const MAX_MESSAGE_BYTES = 1024 * 1024;
/** On a copy published in place of a message that went back to its queue: the handler sees it as redelivered. */
const REDELIVERED_HEADER = 'x-nfvo-redelivered';

export type ConsumersOptions = {
  topology: Topology;
  publisher: Publisher;
  log: Logger;
  isTransient: IsTransient;
  /** Base of the backoff before a failed message is handled again (doubles per delivery, at most 5 s). */
  redeliveryBackoffMs?: number;
  /** The pause before a message whose backing service is down is handled again (1 s). */
  requeuePauseMs?: number;
  /** A consumer's channel closed or was cancelled while its connection lives on. */
  onChannelLost(conn: ChannelModel, why: string): void;
  /** This deployment's id: a message marked with another's is refused, never acted on. */
  deployment?: string;
};

/** A pause before a message of another deployment goes back to its queue (for its own consumers). */
const FOREIGN_PAUSE_MS = 1_000;

export class Consumers {
  private readonly specs: ConsumerSpec[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private consuming = true;
  /** Messages being handled now, across every consumer. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The connection consumers are attached to, from the start of attachAll() until it is lost. */
  private conn?: ChannelModel;

  constructor(private readonly opts: ConsumersOptions) {}

  /** Register a consumer, and attach it now if a connection is open. */
  async add(spec: ConsumerSpec): Promise<void> {
    this.specs.push(spec);
    if (this.conn && this.consuming) await this.attach(this.conn, spec);
  }

  /** Attach every registered consumer to a new connection (one registered meanwhile attaches itself). */
  async attachAll(conn: ChannelModel): Promise<void> {
    this.conn = conn;
    for (const spec of [...this.specs]) if (this.consuming) await this.attach(conn, spec);
  }

  /** The connection is gone, and the channels with it. */
  detachAll(): void {
    this.conn = undefined;
    for (const spec of this.specs) spec.channel = undefined;
  }

  private async attach(conn: ChannelModel, spec: ConsumerSpec): Promise<void> {
    const { topology, log } = this.opts;
    const ch = await conn.createChannel();
    ch.on('error', (err) => log.warn({ err: errorMessage(err), queue: spec.queue }, 'RabbitMQ consumer channel error'));
    ch.on('close', () => {
      if (this.consuming) this.opts.onChannelLost(conn, `consumer channel of ${spec.queue} closed`);
    });
    // per consumer (RabbitMQ's meaning of a non-global prefetch): each lane has its own window
    await ch.prefetch(spec.prefetch);
    spec.channel = ch;
    spec.tags = [];
    const acker = new Acker(ch);
    const queues = topology.lanes(spec.queue);
    if (spec.owner) queues.push(await topology.assertOwnerQueue(ch, spec.queue, spec.owner));
    for (const queue of queues) {
      const { consumerTag } = await ch.consume(queue, (msg) => {
        if (!msg) {
          if (this.consuming) this.opts.onChannelLost(conn, `consumer of ${queue} cancelled by the broker`);
          return;
        }
        acker.received(msg);
        const p = this.handle(spec, queue, ch, acker, msg).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      });
      spec.tags.push(consumerTag);
    }
  }

  /** Why a message cannot be handled at all (too large, not JSON, not valid), or its parsed body. */
  private parse(spec: ConsumerSpec, msg: ConsumeMessage): { ok: true; value: unknown } | { ok: false; reason: string } {
    if (msg.content.length > MAX_MESSAGE_BYTES) {
      return { ok: false, reason: `message too large (${msg.content.length} bytes)` };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(msg.content.toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed JSON' };
    }
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) return { ok: true, value: parsed.data };
    const why = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: `invalid message: ${why}` };
  }

  private async handle(spec: ConsumerSpec, queue: string, ch: Channel, acker: Acker, msg: ConsumeMessage) {
    const deliveries = Number(msg.properties.headers?.['x-nfvo-deliveries'] ?? 0) + 1;
    const redelivered = msg.fields.redelivered || msg.properties.headers?.[REDELIVERED_HEADER] === true;
    try {
      const from = msg.properties.headers?.[DEPLOYMENT_HEADER] as unknown;
      if (this.opts.deployment && typeof from === 'string' && from !== this.opts.deployment) {
        await this.refuseForeign(queue, ch, msg, from);
        return acker.settled(msg);
      }
      const parsed = this.parse(spec, msg);
      if (!parsed.ok) await this.deadLetter(queue, msg, parsed.reason);
      else await spec.handler(parsed.value, { redelivered, deliveries });
      acker.ack(msg);
    } catch (err) {
      try {
        await this.settleFailed(queue, ch, msg, err, deliveries);
      } catch (e) {
        // the copy could not be published: hand the message back rather than let a later ack cover it
        this.opts.log.warn({ err: errorMessage(e), queue }, 'could not settle a failed message; requeued');
        try {
          ch.nack(msg, false, true);
        } catch {
          // the channel is gone: the broker redelivers the message
        }
      }
      // only now: until it is settled, no batched `multiple` ack may cover it
      acker.settled(msg);
    }
  }

  private async settleFailed(queue: string, ch: Channel, msg: ConsumeMessage, err: unknown, deliveries: number) {
    const { log } = this.opts;
    const { isTransient, redeliveryBackoffMs, requeuePauseMs } = this.opts;
    const action = onHandlerFailure(err, deliveries, isTransient, redeliveryBackoffMs, requeuePauseMs);
    switch (action.kind) {
      case 'dead-letter':
        await this.deadLetter(queue, msg, action.reason);
        return ch.ack(msg);
      case 'requeue':
        // the database or broker is down: keep the message, slow down, try again
        log.warn({ err: errorMessage(err), queue }, 'handler could not reach a backing service; message requeued');
        await sleep(action.delayMs);
        if (this.opts.topology.queueType === 'classic') return ch.nack(msg, false, true);
        // a quorum queue counts a nack against its delivery limit: an outage longer than the
        // limit would dead-letter what waits for it. A copy starts uncounted by the broker; it
        // keeps nfvo's own count (x-nfvo-deliveries) and is handled as the redelivery it is.
        await this.republish(queue, msg, { [REDELIVERED_HEADER]: true });
        return ch.ack(msg);
      case 'redeliver':
        log.error({ err: errorMessage(err), queue, deliveries }, 'message handler failed; retrying');
        await sleep(action.delayMs);
        await this.republish(queue, msg, { 'x-nfvo-deliveries': deliveries });
        return ch.ack(msg);
    }
  }

  /**
   * A message another deployment sent: not acted on, not dead-lettered as unknown, but put back
   * for that deployment's consumers, loudly. Two deployments share this namespace.
   */
  private async refuseForeign(queue: string, ch: Channel, msg: ConsumeMessage, from: string): Promise<void> {
    this.opts.log.error(
      { queue, messageId: msg.properties.messageId, fromDeployment: from, deployment: this.opts.deployment },
      `refused a message of deployment ${from}: another deployment uses this vhost and QUEUE_PREFIX; give each its own`,
    );
    await sleep(FOREIGN_PAUSE_MS);
    if (this.opts.topology.queueType === 'classic') return ch.nack(msg, false, true);
    // a quorum queue counts a nack against its delivery limit: a copy does not
    await this.republish(queue, msg, {});
    ch.ack(msg);
  }

  /** Publish a copy of a message to the queue it came from (confirmed), with these headers changed. */
  private republish(queue: string, msg: ConsumeMessage, headers: Record<string, unknown>): Promise<void> {
    // the quorum queue's own count of the original's returns is not the copy's
    const { 'x-delivery-count': _count, ...kept } = msg.properties.headers ?? {};
    return this.opts.publisher.raw('', queue, msg.content, { ...msg.properties, headers: { ...kept, ...headers } });
  }

  /** Send a message to the dead-letter queue with the reason, then it can be acked. */
  private async deadLetter(queue: string, msg: ConsumeMessage, reason: string): Promise<void> {
    await this.opts.publisher.raw(this.opts.topology.dlx, '', msg.content, {
      headers: { ...msg.properties.headers, 'x-nfvo-reason': reason.slice(0, 1000), 'x-nfvo-queue': queue },
      messageId: msg.properties.messageId,
    });
    this.opts.log.warn({ queue, reason }, 'message dead-lettered');
  }

  /** Stop taking new messages and wait (bounded) for those in flight to be settled. */
  async stop(timeoutMs: number): Promise<void> {
    this.consuming = false;
    for (const { channel, tags } of this.specs) {
      if (channel) for (const tag of tags) await channel.cancel(tag).catch(() => {});
    }
    const settled = await within(
      Promise.allSettled([...this.inFlight]).then(() => true),
      timeoutMs,
      false,
    );
    await new Promise((r) => setImmediate(r)); // the last batched acks go out
    for (const spec of this.specs) {
      if (spec.owner && this.conn) await this.releaseOwnerQueue(this.conn, spec.queue, spec.owner, settled);
    }
  }

  /**
   * Its consumer has stopped: unbind the owner's queue so that new messages for it go to the
   * shared queue, and delete it if nothing is left in it (what is left moves there by TTL).
   */
  private async releaseOwnerQueue(conn: ChannelModel, name: QueueName, owner: string, settled: boolean) {
    const { topology } = this.opts;
    const queue = topology.q(ownerQueue(name, owner));
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => {}); // a refused delete (not empty) closes this channel only
      await ch.unbindQueue(queue, topology.q(ownersExchange(name)), owner);
      if (settled && topology.queueType === 'classic') await ch.deleteQueue(queue, { ifEmpty: true });
      // a quorum queue refuses if-empty (closing the connection): look, then delete; a queue
      // still holding messages is left to move them on by TTL and to expire
      else if (settled && (await ch.checkQueue(queue)).messageCount === 0) await ch.deleteQueue(queue);
      await ch.close();
    } catch (err) {
      this.opts.log.debug({ err: errorMessage(err), queue }, 'owner queue left to expire');
    }
  }
}
